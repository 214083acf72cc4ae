/**
 * Drives one pure KW machine against a scripted T-Server: every tlibRequest effect is answered the
 * way src/tserver answers it (EventRegistered; EventAgentLogin then the initial NotReady; replies
 * carrying the ReferenceID), unless `autoReply` is off or `failNext` says otherwise. Timers are
 * recorded by name and fired by the test; the clock is `now`.
 */
import { stepKw } from '../../../../src/connector/kw-machine.ts';
import { defaultKwConfig, type KwConfig } from '../../../../src/connector/kw-config.ts';
import { initialKwState, type KwEffect, type KwInput, type KwState, type KwTimerName, type KwTlibRequest } from '../../../../src/connector/kw-state.ts';
import type { Availability, Presence, PresenceSource } from '../../../../src/presence/presence.ts';
import { availabilityFromMsPresCode, msPresCodeForAvailability } from '../../../../src/presence/availability.ts';
import type { AgentWorkMode, TlibEvent } from '../../../../src/tlib/index.ts';

export const DN = '7001';
export const AGENT = 'A7001';
export const CONTACT = 'sip:alice@example.test';

let seq = 0;

/** A Presence: by MS-PRES code (number) or by normalized availability (PIDF-like, typical code). */
export function presence(what: number | Availability, opts: { note?: string; source?: PresenceSource; publishedAt?: number; sequence?: number; observedAt?: number; code?: number | null } = {}): Presence {
  const code = opts.code !== undefined ? opts.code : typeof what === 'number' ? what : msPresCodeForAvailability(what);
  const availability = typeof what === 'number' ? availabilityFromMsPresCode(what, { below3000: 'online' }) : what;
  return {
    uri: CONTACT, availability, availabilityCode: code, activity: null,
    note: opts.note !== undefined ? { text: opts.note, kind: 'personal', lang: null } : null,
    device: null, source: opts.source ?? 'ms-pres',
    version: { publishedAt: opts.publishedAt ?? null, sequence: opts.sequence ?? null, instance: opts.sequence !== undefined ? '1' : null },
    observedAt: opts.observedAt ?? ++seq, basic: null, lastActive: null,
  };
}

type TState = 'LoggedOut' | 'Ready' | 'NotReady';

export class KwHarness {
  state: KwState;
  config: KwConfig;
  now = 1_000_000;
  /** Every effect, in order. */
  readonly effects: KwEffect[] = [];
  readonly timers = new Map<KwTimerName, number>();
  /** The scripted T-Server's agent. */
  tserver: { state: TState; workMode: AgentWorkMode | undefined } = { state: 'LoggedOut', workMode: undefined };
  autoReply = true;
  /** The T-Server follows EventAgentLogin with the initial NotReady (src/tserver does). */
  loginFollowUp = true;
  /** The next request with this message fails with this code (null: no reply / closed link). */
  failNext: { message: string; code: number | null } | undefined;
  private mark = 0;
  private nextRef = 1;

  constructor(config: Partial<KwConfig> = {}, id: Partial<Parameters<typeof initialKwState>[0]> = {}) {
    this.config = { ...defaultKwConfig, ...config };
    this.state = initialKwState({ userName: 'alice', contact: CONTACT, dn: DN, agentId: AGENT, place: null, ...id });
  }

  /** Feeds one input (and the scripted T-Server's answers); returns the effects since the last call. */
  input(i: KwInput): KwEffect[] {
    this.apply(i);
    return this.take();
  }

  /** Fires a running timer. */
  fire(name: KwTimerName): KwEffect[] {
    if (!this.timers.has(name)) throw new Error(`timer ${name} is not running`);
    this.timers.delete(name);
    return this.input({ type: 'timer', name });
  }

  /** An unsolicited T-Server event (no ReferenceID), as another client or a T-Server timer causes. */
  external(event: Record<string, unknown>): KwEffect[] {
    const e = { ThisDN: DN, ...event } as TlibEvent;
    if (e.message === 'EventAgentReady') this.tserver = { state: 'Ready', workMode: (e as { AgentWorkMode?: AgentWorkMode }).AgentWorkMode };
    if (e.message === 'EventAgentNotReady') this.tserver = { state: 'NotReady', workMode: (e as { AgentWorkMode?: AgentWorkMode }).AgentWorkMode };
    if (e.message === 'EventAgentLogout') this.tserver = { state: 'LoggedOut', workMode: undefined };
    return this.input({ type: 'tlibEvent', event: e });
  }

  /** A KW that opened a session and whose agent is logged in, with `p` applied. */
  static loggedIn(p: Presence | null = presence(3500), config: Partial<KwConfig> = {}): KwHarness {
    const h = new KwHarness(config);
    h.input({ type: 'sessionOpened' });
    if (p) h.input({ type: 'presence', presence: p });
    h.take();
    return h;
  }

  take(): KwEffect[] {
    const out = this.effects.slice(this.mark);
    this.mark = this.effects.length;
    return out;
  }

  /** Inputs are processed in arrival order (a FIFO), as events arrive on one T-Lib link. */
  private apply(first: KwInput): void {
    const queue: KwInput[] = [first];
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const step = stepKw(this.state, i, this.config, this.now);
      this.state = step.state;
      for (const e of step.effects) {
        this.effects.push(e);
        if (e.type === 'startTimer') this.timers.set(e.name, this.now + e.ms);
        else if (e.type === 'cancelTimer') this.timers.delete(e.name);
        else if (e.type === 'tlibRequest') queue.push(...this.answer(e.requestId, e.request));
      }
    }
  }

  private answer(requestId: number, r: KwTlibRequest): KwInput[] {
    if (this.failNext && this.failNext.message === r.message) {
      const f = this.failNext;
      this.failNext = undefined;
      return [{ type: 'requestFailed', requestId, errorCode: f.code, message: f.code === null ? 'no reply' : `error ${f.code}` }];
    }
    if (!this.autoReply) return [];
    const ReferenceID = this.nextRef++;
    const ev = (e: Record<string, unknown>): KwInput => ({ type: 'tlibEvent', event: { ThisDN: DN, ...e } as TlibEvent });
    switch (r.message) {
      case 'RequestRegisterAddress':
        return [ev({ message: 'EventRegistered', ReferenceID, AgentState: this.tserver.state, AgentWorkMode: this.tserver.workMode })];
      case 'RequestUnregisterAddress':
        return [ev({ message: 'EventUnregistered', ReferenceID })];
      case 'RequestAgentLogin':
        this.tserver = { state: 'NotReady', workMode: 'Unknown' };
        return [
          ev({ message: 'EventAgentLogin', ReferenceID, AgentID: AGENT, AgentWorkMode: 'Unknown' }),
          ...(this.loginFollowUp ? [ev({ message: 'EventAgentNotReady', AgentID: AGENT, AgentWorkMode: 'Unknown' })] : []),
        ];
      case 'RequestAgentReady':
        this.tserver = { state: 'Ready', workMode: 'Unknown' };
        return [ev({ message: 'EventAgentReady', ReferenceID, AgentID: AGENT, AgentWorkMode: 'Unknown', Reasons: r.Reasons })];
      case 'RequestAgentNotReady':
        this.tserver = { state: 'NotReady', workMode: 'Unknown' };
        return [ev({ message: 'EventAgentNotReady', ReferenceID, AgentID: AGENT, AgentWorkMode: 'Unknown', Reasons: r.Reasons })];
      case 'RequestAgentLogout':
        this.tserver = { state: 'LoggedOut', workMode: undefined };
        return [ev({ message: 'EventAgentLogout', ReferenceID, AgentID: AGENT })];
      default:
        return [];
    }
  }
}

/** The T-Lib requests among effects, as `Message` or `Message(KW_UC_STATUS)` strings. */
export function requests(fx: readonly KwEffect[]): string[] {
  return fx.flatMap((e) => {
    if (e.type !== 'tlibRequest') return [];
    const r = e.request as { message: string; Reasons?: ReadonlyArray<readonly [string, unknown]> };
    const status = r.Reasons?.find(([k]) => k === 'KW_UC_STATUS')?.[1];
    return [status === undefined ? r.message : `${r.message}(${String(status)})`];
  });
}

/** The publish effects among effects, as `code` / `code:note` / `restore`. */
export function publishes(fx: readonly KwEffect[]): string[] {
  return fx.flatMap((e) => (e.type !== 'publish' ? [] : [e.presence === null ? 'restore' : `${String(e.presence.availabilityCode)}${e.presence.note ? `:${e.presence.note.text}` : ''}`]));
}
