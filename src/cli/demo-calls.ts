/**
 * The simulated customers of `ucc demo`: every `intervalMs` a call from the trunk DN to the next
 * routing point (RequestMakeCall over T-Lib, the path `ucc call` takes), carrying rotating case
 * data. Some values hold `<`, `&` and quotes on purpose: the KW client must show them as text.
 * Each call is released from the trunk after `callLifetimeMs`, so a demo left running does not
 * pile up calls nobody answered.
 */
import type { Clock, TimerHandle } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { KvPair, TlibEvent, TlibRequest } from '../tlib/index.ts';

/** The part of TlibClient the demo caller needs. */
export interface DemoTlibPort {
  request(request: TlibRequest): Promise<TlibEvent>;
}

/** One simulated customer. */
export interface DemoCustomer {
  readonly name: string;
  readonly account: string;
  readonly reason: string;
  readonly segment: string;
  readonly lastContact: string;
  readonly phone: string;
}

/** The rotating customers; markup-like values stay here on purpose (they must render as text). */
export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  { name: 'Maria Rossi', account: 'ACC-10422', reason: 'Upgrade to the business plan', segment: 'Gold', lastContact: '2 days ago', phone: '+39 06 5550 1234' },
  { name: "O'Brien & Sons <Ltd>", account: 'ACC-20077', reason: 'Invoice "March" is wrong', segment: 'Silver', lastContact: 'yesterday', phone: '+353 1 555 0188' },
  { name: 'Jean-Luc Dupont', account: 'ACC-30931', reason: 'Delivery is late', segment: 'Bronze', lastContact: 'never', phone: '+33 1 55 50 42 42' },
  { name: 'Zoë "Zee" Müller', account: 'ACC-41210', reason: 'Cancel <script>alert(1)</script> & refund', segment: 'Gold', lastContact: 'last week', phone: '+49 30 5550 7788' },
  { name: 'Анна Петрова', account: 'ACC-52006', reason: 'Password reset', segment: 'Silver', lastContact: '3 hours ago', phone: '+7 495 555 0101' },
  { name: 'Kenji Tanaka', account: 'ACC-60315', reason: 'Question about 5 < 7 & 9 > 3 pricing tiers', segment: 'Platinum', lastContact: 'this morning', phone: '+81 3 5550 2020' },
];

/** The demo KWs that calls to a UserData-targeted routing point name in `AccountOwner`. */
export const DEMO_ACCOUNT_OWNERS: readonly string[] = ['alice', 'bob', 'carol'];

/**
 * The n-th demo call's UserData (n from 0). Customers rotate with n; the account owner with
 * `round` (the caller passes the round over its routing points, so the calls to a
 * UserData-targeted routing point name each owner in turn).
 */
export function demoUserData(n: number, round = n): KvPair[] {
  const c = DEMO_CUSTOMERS[n % DEMO_CUSTOMERS.length] as DemoCustomer;
  return [
    ['CustomerName', c.name],
    ['AccountNumber', c.account],
    ['Reason', c.reason],
    ['Segment', c.segment],
    ['LastContact', c.lastContact],
    ['ANI', c.phone],
    ['AccountOwner', DEMO_ACCOUNT_OWNERS[round % DEMO_ACCOUNT_OWNERS.length] as string],
    ['DemoCall', String(n + 1)],
  ];
}

export interface DemoCallerOptions {
  readonly tlib: DemoTlibPort;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Routing points called in turn (at least one). */
  readonly routingPoints: readonly string[];
  /** The Trunk DN the customers call from. */
  readonly trunk: string;
  /** Milliseconds between calls (≥ 100). */
  readonly intervalMs: number;
  /** Milliseconds after which the customer hangs up (0 = never). */
  readonly callLifetimeMs: number;
}

/** One placed demo call, for observers (the command prints it; tests assert it). */
export interface DemoCallPlaced {
  readonly n: number;
  readonly routingPoint: string;
  readonly connId: string | undefined;
  readonly error?: string;
}

/** Places the demo calls on the Clock until stopped. */
export class DemoCaller {
  private timer: TimerHandle | undefined;
  private readonly hangups = new Set<TimerHandle>();
  private n = 0;
  private running = false;
  /** Called after each attempt. */
  onCall: ((call: DemoCallPlaced) => void) | undefined;

  constructor(private readonly options: DemoCallerOptions) {
    if (options.routingPoints.length === 0) throw new RangeError('DemoCaller: at least one routing point');
    if (!(options.intervalMs >= 100)) throw new RangeError('DemoCaller: intervalMs must be at least 100');
  }

  /** Places the first call at once, then one every `intervalMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stops placing calls and cancels pending hang-ups (the calls themselves are left to the T-Server). */
  stop(): void {
    this.running = false;
    this.options.clock.cancel(this.timer);
    this.timer = undefined;
    for (const h of this.hangups) this.options.clock.cancel(h);
    this.hangups.clear();
  }

  /** Places the next call now; resolves when the T-Server answered. */
  async placeNext(): Promise<DemoCallPlaced> {
    const { tlib, trunk, routingPoints, logger, clock, callLifetimeMs } = this.options;
    const n = this.n++;
    const routingPoint = routingPoints[n % routingPoints.length] as string;
    let placed: DemoCallPlaced;
    try {
      const reply = await tlib.request({ message: 'RequestMakeCall', ThisDN: trunk, OtherDN: routingPoint, UserData: demoUserData(n, Math.floor(n / routingPoints.length)) });
      const connId = (reply as { ConnID?: string }).ConnID;
      placed = { n, routingPoint, connId };
      if (connId && callLifetimeMs > 0 && this.running) {
        const h = clock.setTimer(callLifetimeMs, () => {
          this.hangups.delete(h);
          // The customer hangs up; the call may already be gone (released by the KW).
          tlib.request({ message: 'RequestReleaseCall', ThisDN: trunk, ConnID: connId }).catch((e: unknown) => logger.debug('demo hang-up not applied', { connId, error: String(e) }));
        });
        this.hangups.add(h);
      }
    } catch (e) {
      placed = { n, routingPoint, connId: undefined, error: e instanceof Error ? e.message : String(e) };
      logger.warn('demo call not placed', { routingPoint, error: placed.error });
    }
    this.onCall?.(placed);
    return placed;
  }

  private tick(): void {
    if (!this.running) return;
    this.timer = this.options.clock.setTimer(this.options.intervalMs, () => this.tick());
    void this.placeNext();
  }
}
