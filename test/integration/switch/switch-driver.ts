// Drives a SipSwitch the way the T-Server core does: it answers every `inbound` with `accept`
// (a new ConnID on the trunk DN), keeps the events, and lets a test wait for one.
import { SipSwitch } from '../../../src/switch/sip/sip-switch.ts';
import type { VoiceConfig } from '../../../src/config/voice-settings.ts';
import type { MediaRelay } from '../../../src/media/media-relay.ts';
import { createLogger } from '../../../src/lib/logger.ts';
import type { SwitchEvent } from '../../../src/tserver/switch-port.ts';
import type { ConnId } from '../../../src/tlib/index.ts';

export function voiceConfig(port: number, kamailioPort: number, over: Partial<VoiceConfig> = {}): VoiceConfig {
  return {
    listen: [{ protocol: 'udp', host: '127.0.0.1', port }, { protocol: 'tcp', host: '127.0.0.1', port }],
    trunks: [{ dn: '9000', addresses: ['127.0.0.1'] }],
    proxy: `sip:127.0.0.1:${kamailioPort}`,
    domain: 'example.test',
    callerMedia: 'ringback',
    desktopAnswer: [],
    userDataHeaders: [],
    maxLegs: 100,
    maxSdpBytes: 16384,
    'sip-enable-moh': false,
    'sip-enable-100rel': false,
    'reuse-sdp-on-reinvite': true,
    'refer-enabled': false,
    'dual-dialog-enabled': false,
    'make-call-rfc3725-flow': 1,
    ...over,
  };
}

export class SwitchDriver {
  readonly events: Array<SwitchEvent & { at: number }> = [];
  readonly sw: SipSwitch;
  private waiters: Array<(e: SwitchEvent) => boolean> = [];
  private next = 0x100;
  /** The ConnID of each accepted inbound call, in order. */
  readonly calls: ConnId[] = [];

  constructor(config: VoiceConfig, relay?: MediaRelay) {
    // LOG=debug shows the switch's own log while a test runs.
    const logger = createLogger((process.env.LOG as 'debug' | undefined) ?? 'silent');
    this.sw = new SipSwitch({ config, logger, ...(relay ? { relay } : {}) });
  }

  start(): Promise<void> {
    return this.sw.start((e) => this.onEvent(e));
  }

  private onEvent(e: SwitchEvent): void {
    this.events.push({ ...e, at: Date.now() });
    if (e.kind === 'inbound') {
      const connId = (this.next++).toString(16).padStart(16, '0') as ConnId;
      this.calls.push(connId);
      for (const r of this.sw.execute({ kind: 'accept', legRef: e.legRef, connId, dn: e.trunk })) this.onEvent(r);
    }
    this.waiters = this.waiters.filter((w) => !w(e));
  }

  /** Runs a command; events it returns at once are kept like the others. */
  execute(...args: Parameters<SipSwitch['execute']>): void {
    for (const e of this.sw.execute(...args)) this.onEvent(e);
  }

  /** The first event of `kind` (for `dn` when given) already seen or to come. */
  wait(kind: SwitchEvent['kind'], dn?: string, timeoutMs = 10_000): Promise<SwitchEvent> {
    const match = (e: SwitchEvent): boolean => e.kind === kind && (dn === undefined || ('dn' in e && e.dn === dn));
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${kind}${dn ? ` for ${dn}` : ''} within ${timeoutMs} ms; events: ${this.summary()}`)), timeoutMs);
      this.waiters.push((e) => {
        if (!match(e)) return false;
        clearTimeout(t);
        resolve(e);
        return true;
      });
    });
  }

  /** `kind dn` of every event so far. */
  summary(): string {
    return this.events.map((e) => ('dn' in e ? `${e.kind} ${e.dn}` : e.kind)).join(', ');
  }

  kinds(): string[] {
    return this.events.map((e) => ('dn' in e ? `${e.kind} ${e.dn}` : e.kind));
  }
}
