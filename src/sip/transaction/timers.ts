/**
 * RFC 3261 timer values (section 17 and Table 4, https://www.rfc-editor.org/rfc/rfc3261#page-265),
 * derived from the three base values T1, T2 and T4, with the reliable/unreliable variants the RFC
 * prescribes. Timers A, E and G only exist over unreliable transports (UDP): over TCP/TLS the
 * transport retransmits, so those are `undefined` and D, I, J, K collapse to zero.
 * Timers L and M come from RFC 6026 (the Accepted state of INVITE transactions).
 */

/** The base values; every other timer is computed from them. */
export interface TimerSettings {
  /** RTT estimate. Default 500 ms. */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. Default 4 s. */
  T2: number;
  /** Maximum duration a message remains in the network. Default 5 s. */
  T4: number;
}

/** RFC 3261 defaults: T1 = 500 ms, T2 = 4 s, T4 = 5 s. */
export const DEFAULT_TIMER_SETTINGS: Readonly<TimerSettings> = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/** Timer values (ms) for one transaction, chosen for the transport it runs over. */
export interface TransactionTimers extends TimerSettings {
  /** INVITE request retransmit, first interval (doubles, uncapped). Unreliable only. */
  timerA: number | undefined;
  /** INVITE transaction timeout: 64*T1. */
  timerB: number;
  /** Wait time for response retransmits: > 32 s unreliable, 0 reliable. */
  timerD: number;
  /** Non-INVITE request retransmit, first interval (doubles up to T2). Unreliable only. */
  timerE: number | undefined;
  /** Non-INVITE transaction timeout: 64*T1. */
  timerF: number;
  /** INVITE response retransmit, first interval (doubles up to T2). Unreliable only. */
  timerG: number | undefined;
  /** Wait time for ACK receipt: 64*T1. */
  timerH: number;
  /** Wait time for ACK retransmits: T4 unreliable, 0 reliable. */
  timerI: number;
  /** Wait time for non-INVITE request retransmits: 64*T1 unreliable, 0 reliable. */
  timerJ: number;
  /** Wait time for response retransmits: T4 unreliable, 0 reliable. */
  timerK: number;
  /** RFC 6026: wait time for accepted INVITE request retransmits (server): 64*T1. */
  timerL: number;
  /** RFC 6026: wait time for retransmission of 2xx to INVITE (client): 64*T1. */
  timerM: number;
  /**
   * RFC 3261 section 17.2.1: the server transaction sends 100 Trying itself when the TU has not
   * answered within 200 ms.
   */
  trying: number;
}

/** Computes every timer from T1/T2/T4 for a reliable (TCP/TLS) or unreliable (UDP) transport. */
export function transactionTimers(settings: Partial<TimerSettings> = {}, reliable = false): TransactionTimers {
  const T1 = settings.T1 ?? DEFAULT_TIMER_SETTINGS.T1;
  const T2 = settings.T2 ?? DEFAULT_TIMER_SETTINGS.T2;
  const T4 = settings.T4 ?? DEFAULT_TIMER_SETTINGS.T4;
  const sixtyFour = 64 * T1;
  return {
    T1,
    T2,
    T4,
    timerA: reliable ? undefined : T1,
    timerB: sixtyFour,
    // "Timer D ... at least 32 seconds for unreliable transports, and a value of zero seconds for
    // reliable transports" (section 17.1.1.2).
    timerD: reliable ? 0 : 32_000,
    timerE: reliable ? undefined : T1,
    timerF: sixtyFour,
    timerG: reliable ? undefined : T1,
    timerH: sixtyFour,
    timerI: reliable ? 0 : T4,
    timerJ: reliable ? 0 : sixtyFour,
    timerK: reliable ? 0 : T4,
    timerL: sixtyFour,
    timerM: sixtyFour,
    trying: 200,
  };
}

/**
 * Next retransmission interval: double, capped at `cap` when given (E and G cap at T2; Timer A
 * doubles without a cap, section 17.1.1.2).
 */
export function nextInterval(current: number, cap?: number): number {
  const doubled = current * 2;
  return cap === undefined ? doubled : Math.min(doubled, cap);
}

/** Validates user-supplied timer settings (positive, T1 <= T2). Returns a message or undefined. */
export function checkTimerSettings(settings: Partial<TimerSettings>): string | undefined {
  for (const k of ['T1', 'T2', 'T4'] as const) {
    const v = settings[k];
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) return `${k} must be a positive number of milliseconds`;
  }
  const T1 = settings.T1 ?? DEFAULT_TIMER_SETTINGS.T1;
  const T2 = settings.T2 ?? DEFAULT_TIMER_SETTINGS.T2;
  if (T2 < T1) return 'T2 must not be smaller than T1';
  return undefined;
}
