/**
 * Test harness: a TServer on a ManualClock with in-process clients that record every event.
 * `req()` returns the events the request caused for this client; `take()` drains what arrived since.
 */
import { ManualClock } from '../../../src/lib/clock.ts';
import { TServer } from '../../../src/tserver/tserver.ts';
import { createTServerConfig, type DnConfig, type AgentLoginConfig, type Options } from '../../../src/tserver/tserver-config.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';
import type { Switch } from '../../../src/tserver/switch-port.ts';

type AnyEvent = TlibEvent & Record<string, unknown>;
type Req = TlibRequest extends infer R ? (R extends TlibRequest ? Omit<R, 'ReferenceID'> : never) : never;

let nextRef = 1;

export class TestClient {
  readonly events: AnyEvent[] = [];
  private mark = 0;
  private readonly handle: ReturnType<TServer['attach']>;

  constructor(server: TServer) {
    this.handle = server.attach((e) => this.events.push(e as AnyEvent));
  }

  get id(): string {
    return this.handle.id;
  }

  /** Sends a request with a fresh ReferenceID; returns the events it caused for this client. */
  req(r: Req): AnyEvent[] {
    this.take();
    this.handle.request({ ...r, ReferenceID: nextRef++ } as TlibRequest);
    return this.take();
  }

  /** Events received since the last req()/take(). */
  take(): AnyEvent[] {
    const out = this.events.slice(this.mark);
    this.mark = this.events.length;
    return out;
  }

  close(): void {
    this.handle.close();
  }
}

export interface Setup {
  clock: ManualClock;
  server: TServer;
  client(): TestClient;
}

export const STD_DNS: DnConfig[] = [
  { name: '7001', type: 'Extension' },
  { name: '7002', type: 'Extension' },
  { name: '7003', type: 'Extension' },
  { name: 'sip:Alice@lab', type: 'Extension' },
  { name: 'RP1', type: 'RoutingPoint' },
  { name: 'RP2', type: 'RoutingPoint' },
  { name: 'Q1', type: 'ACDQueue' },
  { name: 'trunk', type: 'Trunk' },
  { name: 'vs', type: 'VoIPService' },
  { name: 'off', type: 'Extension', register: false },
];

export function setup(opts: { dns?: DnConfig[]; extraDns?: DnConfig[]; agentLogins?: Array<AgentLoginConfig | string>; options?: Options; switch?: Switch } = {}): Setup {
  const clock = new ManualClock();
  const config = createTServerConfig({ switchName: 'SW', dns: [...(opts.dns ?? STD_DNS), ...(opts.extraDns ?? [])], agentLogins: opts.agentLogins ?? [], options: opts.options ?? {} });
  const server = new TServer({ config, clock, connIdPrefix: 0x1234, ...(opts.switch ? { switch: opts.switch } : {}) });
  return { clock, server, client: () => new TestClient(server) };
}

/** Message names of a list of events. */
export const names = (evs: ReadonlyArray<{ message: string }>): string[] => evs.map((e) => e.message);

/** The single event named `name` in `evs` (throws when there is not exactly one). */
export function one(evs: AnyEvent[], name: string): AnyEvent {
  const m = evs.filter((e) => e.message === name);
  if (m.length !== 1) throw new Error(`expected one ${name}, got ${m.length}: ${names(evs).join(', ')}`);
  return m[0] as AnyEvent;
}

/** The ErrorCode of the single EventError in `evs`. */
export function errorCode(evs: AnyEvent[]): unknown {
  return one(evs, 'EventError').ErrorCode;
}

/** Logs an agent in (registering the DN first) and returns the client. */
export function agentOn(s: Setup, dn: string, agentId: string, workMode: 'AutoIn' | 'ManualIn' | 'AuxWork' = 'AutoIn', extensions?: Array<[string, string | number]>): TestClient {
  const c = s.client();
  c.req({ message: 'RequestRegisterAddress', ThisDN: dn });
  const evs = c.req({ message: 'RequestAgentLogin', ThisDN: dn, AgentID: agentId, AgentWorkMode: workMode, ...(extensions ? { Extensions: extensions } : {}) });
  if (!evs.some((e) => e.message === 'EventAgentLogin')) throw new Error(`login failed: ${JSON.stringify(evs)}`);
  return c;
}
