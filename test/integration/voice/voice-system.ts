/**
 * The whole system for the voice proofs (issue 11, "Proven on real peers"): `buildApp` on a test
 * configuration with a `voice:` block, so the T-Server, router, preview manager, connector and KW
 * socket run on the SIP switch (with rtpengine when given). KWs are scripted: standalone presence
 * makes them Ready, and a KW client session (the one the KW WebSocket uses) sees their previews and
 * accepts them through the PreviewManager. T-Lib monitoring goes through {@link connectTlib}, the one
 * place a test T-Lib client is created.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../../src/app/build-app.ts';
import { formatIssue } from '../../../src/config/config-issue.ts';
import { loadConfigFile } from '../../../src/config/config-loader.ts';
import type { KwServerMessage } from '../../../src/connector/kw-client-messages.ts';
import { createLogger } from '../../../src/lib/logger.ts';
import { TlibClient } from '../../../src/tlib/client/tlib-client.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';
import { SipSwitch } from '../../../src/switch/sip/sip-switch.ts';
import { StandalonePlatform } from '../../../src/uc/standalone/standalone-platform.ts';
import { freePort } from '../../support/free-port.ts';
import { waitFor } from '../../support/peer-process.ts';

export const RP = '8000';
export const TRUNK = '9000';
export const DEFAULT_DN = '8100';

export interface VoiceKw {
  user: string;
  /** Its DN; default `sip:<user>@example.test` (reached through Kamailio). */
  dn?: string;
  /** The DN's `contact` (a phone reached without the registrar, e.g. a SIPp UAS). */
  contact?: string;
}

export interface VoiceSystemOptions {
  kamailioPort: number;
  kws: VoiceKw[];
  /** The routing point's `router` annex (YAML flow map). */
  router?: string;
  /** `[TServer]` options of the T-Server Application. */
  tserver?: Record<string, string | number>;
  /** More `voice:` keys (YAML lines, already indented by 2). */
  voice?: string[];
  /** The proxy's transport (default udp). */
  proxyTransport?: 'udp' | 'tcp';
}

function configYaml(o: VoiceSystemOptions, sipPort: number): string {
  const dnOf = (k: VoiceKw): string => k.dn ?? `sip:${k.user}@example.test`;
  const tserver = { 'wrap-up-time': 0, 'router-timeout': 0, 'default-dn': DEFAULT_DN, 'no-answer-timeout': 2, ...o.tserver };
  const router = o.router ?? `{ target-type: agent-group, target: KW_Voice, selection: round-robin, max-attempts: ${o.kws.length} }`;
  const proxy = o.proxyTransport === 'tcp' ? `sip:127.0.0.1:${o.kamailioPort};transport=tcp` : `sip:127.0.0.1:${o.kamailioPort}`;
  return [
    'store: { type: sqlite, path: ":memory:" }',
    'presence: { mode: standalone }',
    'listen: { host: 127.0.0.1, tlib: 0, http: 0 }',
    'voice:',
    '  listen:',
    `    - { protocol: udp, host: 127.0.0.1, port: ${sipPort} }`,
    `    - { protocol: tcp, host: 127.0.0.1, port: ${sipPort} }`,
    '  domain: example.test',
    `  proxy: "${proxy}"`,
    `  trunks: [ { dn: "${TRUNK}", addresses: [127.0.0.1] } ]`,
    ...(o.voice ?? []),
    'switches: [ { name: SIP_Switch } ]',
    'dns:',
    ...o.kws.map((k) => `  - { number: "${dnOf(k)}", type: Extension, switch: SIP_Switch${k.contact ? `, annex: { TServer: { contact: "${k.contact}" } }` : ''} }`),
    `  - { number: "${RP}", type: Routing Point, switch: SIP_Switch, annex: { router: ${router}, TServer: { router-timeout: 0 } } }`,
    `  - { number: "${DEFAULT_DN}", type: Virtual Queue, switch: SIP_Switch }`,
    `  - { number: "${TRUNK}", type: Trunk, switch: SIP_Switch }`,
    'places:',
    ...o.kws.map((k) => `  - { name: P_${k.user}, dns: ["${dnOf(k)}"] }`),
    'agentLogins:',
    ...o.kws.map((k) => `  - { loginCode: ${k.user}, switch: SIP_Switch }`),
    'persons:',
    ...o.kws.map((k) => `  - { userName: ${k.user}, firstName: ${k.user}, lastName: Test, password: ${k.user}, agentLogins: [${k.user}], defaultPlace: P_${k.user}, annex: { uc: { contact: "sip:${k.user}@example.test" } } }`),
    `agentGroups: [ { name: KW_Voice, members: [${o.kws.map((k) => k.user).join(', ')}] } ]`,
    'applications:',
    `  - { name: TServer_SIP, type: tserver, switch: SIP_Switch, options: { TServer: ${JSON.stringify(tserver)} } }`,
    '  - { name: UCC, type: ucc, options: { uc-connector: { user-auto-registration: true, preview-expiration-timeout: 10000 } } }',
    '  - { name: Router, type: router, options: {} }',
    `  - { name: ${VOICE_DESK.application}, type: custom-server, password: ${VOICE_DESK.password}, options: { tlib-client: { access: all } } }`,
    '',
  ].join('\n');
}

/** A scripted KW client: its previews as the KW socket would carry them, accepted on demand. */
export class ScriptedKw {
  readonly messages: KwServerMessage[] = [];
  private readonly remove: () => void;
  /** Previews from this index on are rejected as they arrive (a KW who no longer wants calls). */
  private rejectFromIndex = Infinity;

  constructor(private readonly sys: VoiceSystem, readonly user: string, readonly dn: string) {
    this.remove = sys.app.routing.sessions.add({
      id: `scripted-${user}`, userName: user,
      send: (m) => {
        this.messages.push(m);
        if (m.type === 'preview' && this.previews().length - 1 >= this.rejectFromIndex) setImmediate(() => this.reject(m.id));
        return true;
      },
    });
  }

  /** Rejects preview `n` and every later one as they arrive. */
  rejectFrom(n: number): void {
    this.rejectFromIndex = n;
    this.previews().slice(n).forEach((p) => { if (!this.closed(p.id)) this.reject(p.id); });
  }

  previews(): Array<Extract<KwServerMessage, { type: 'preview' }>> {
    return this.messages.filter((m): m is Extract<KwServerMessage, { type: 'preview' }> => m.type === 'preview');
  }

  closed(id: string): Extract<KwServerMessage, { type: 'preview-closed' }> | undefined {
    return this.messages.find((m): m is Extract<KwServerMessage, { type: 'preview-closed' }> => m.type === 'preview-closed' && m.id === id);
  }

  /** Waits for preview number `n` (0-based) and returns it. */
  async preview(n = 0, timeoutMs = 10_000): Promise<Extract<KwServerMessage, { type: 'preview' }>> {
    await waitFor(`preview #${n} for ${this.user}`, () => this.previews().length > n, timeoutMs, () => JSON.stringify(this.messages.map((m) => m.type)));
    return this.previews()[n]!;
  }

  /** Waits for preview `n` and accepts it (the KW's Accept button). */
  async accept(n = 0): Promise<string> {
    const p = await this.preview(n);
    const r = this.sys.app.routing.previews.accept(this.user, p.id);
    if (!r.ok) throw new Error(`${this.user} could not accept preview ${p.id}: ${JSON.stringify(r)}`);
    return p.connId;
  }

  reject(id: string): void {
    this.sys.app.routing.previews.reject(this.user, id);
  }

  /** Standalone presence: `online` makes the KW Ready; waits until the router sees it. */
  async presence(state: 'online' | 'busy'): Promise<void> {
    const uc = this.sys.app.uc;
    if (!(uc instanceof StandalonePlatform)) throw new Error('standalone presence expected');
    uc.setPresence(this.user, state);
    const want = state === 'online' ? 'Ready' : 'NotReady';
    await waitFor(`${this.user} ${want} in stats`, () => this.sys.app.routing.stats.agent(this.user)?.state === want, 10_000);
  }

  close(): void {
    this.remove();
  }
}

/**
 * The one place tests create a T-Lib client on the running system (T-Lib authentication will add
 * its credentials here).
 */
/** The Application the tests' T-Lib clients authenticate as (monitors and the KW's desk). */
export const VOICE_DESK = { application: 'VoiceDesk', password: 'voice-desk-test' } as const;

export async function connectTlib(address: string): Promise<TlibClient> {
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(address);
  if (!m) throw new Error(`not a T-Lib address: ${address}`);
  const client = new TlibClient({ target: { kind: 'tcp', host: m[1]!, port: Number(m[2]) }, reconnect: false, requestTimeoutMs: 10_000, credentials: { ...VOICE_DESK } });
  await client.connect();
  return client;
}

/** A T-Lib client that monitors DNs (ModeMonitor, as the Stat Server does) and keeps their events. */
export class DnMonitor {
  readonly events: TlibEvent[] = [];
  private constructor(readonly client: TlibClient) {
    client.onEvent((e) => this.events.push(e));
  }

  static async open(address: string, dns: string[]): Promise<DnMonitor> {
    const m = new DnMonitor(await connectTlib(address));
    for (const dn of dns) await m.client.registerAddress(dn, { RegisterMode: 'ModeMonitor' });
    return m;
  }

  /** Call events of `dn` (optionally of one call), in order, as their message names. */
  on(dn: string, connId?: string): string[] {
    return this.events
      .filter((e) => (e as { ThisDN?: string }).ThisDN === dn && (connId === undefined || (e as { ConnID?: string }).ConnID === connId) && e.message !== 'EventRegistered')
      .map((e) => e.message);
  }

  /** The first `message` on `dn` (seen or to come) matching `match`. */
  async wait(dn: string, message: string, match: (e: TlibEvent) => boolean = () => true, timeoutMs = 10_000): Promise<TlibEvent> {
    const find = (): TlibEvent | undefined => this.events.find((e) => e.message === message && (e as { ThisDN?: string }).ThisDN === dn && match(e));
    await waitFor(`${message} on ${dn}`, () => find() !== undefined, timeoutMs, () => this.trace());
    return find()!;
  }

  /** Every event so far, one line each (failure messages). */
  trace(): string {
    return this.events.map((e) => {
      const x = e as { ThisDN?: string; OtherDN?: string; ConnID?: string; ErrorMessage?: string };
      return `${e.message} ${x.ThisDN ?? ''}${x.OtherDN ? ` other=${x.OtherDN}` : ''}${x.ConnID ? ` conn=${x.ConnID.slice(-4)}` : ''}${x.ErrorMessage ? ` (${x.ErrorMessage})` : ''}`;
    }).join('\n');
  }

  request(r: TlibRequest): Promise<TlibEvent> {
    return this.client.request(r);
  }

  close(): void {
    this.client.close();
  }
}

export interface VoiceSystem {
  readonly app: App;
  readonly sipPort: number;
  readonly tlib: string;
  kw(user: string): ScriptedKw;
  /** Live SIP legs in the switch. */
  legs(): number;
  stop(): Promise<void>;
}

/** Builds and starts the whole system. */
export async function startVoiceSystem(o: VoiceSystemOptions): Promise<VoiceSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'ucc-voice-'));
  try {
    const sipPort = await freePort();
    const file = join(dir, 'voice.yaml');
    writeFileSync(file, configYaml(o, sipPort));
    const loaded = loadConfigFile(file);
    if (!loaded.ok) throw new Error(loaded.error.kind === 'unreadable' ? loaded.error.message : loaded.error.issues.map(formatIssue).join('\n'));
    // LOG=debug shows the system's log while a test runs.
    const app = await buildApp(loaded.value, { logger: createLogger((process.env.LOG as 'debug' | undefined) ?? 'silent') });
    const addresses = await app.listen().catch(async (e: unknown) => {
      await app.close();
      throw e;
    });
    const kws = new Map<string, ScriptedKw>();
    const sys: VoiceSystem = {
      app,
      sipPort,
      tlib: addresses.tlib,
      kw(user) {
        let k = kws.get(user);
        if (!k) {
          const dn = o.kws.find((x) => x.user === user);
          if (!dn) throw new Error(`no KW ${user}`);
          k = new ScriptedKw(sys, user, dn.dn ?? `sip:${user}@example.test`);
          kws.set(user, k);
        }
        return k;
      },
      legs: () => (app.tserver.switch instanceof SipSwitch ? app.tserver.switch.legCount : 0),
      async stop() {
        for (const k of kws.values()) k.close();
        await app.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return sys;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
