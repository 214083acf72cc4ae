/**
 * Registration client states (RFC 3261 section 10.2).
 *
 * ```
 *  unregistered ─▶ registering ─▶ registered ─▶ unregistering ─▶ unregistered
 *        ▲             │   ▲           │
 *        │             ▼   │           ▼
 *        └──────────  retry-wait ◀─────┘        (408, 5xx, transport failure; backoff)
 * ```
 * A refresh keeps the state `registered`; a refused REGISTER (403, wrong password) goes back to
 * `unregistered` without retry. `disposed` is final.
 */
export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'unregistering' | 'retry-wait' | 'disposed';

export const REGISTRATION_TRANSITIONS: Record<RegistrationState, readonly RegistrationState[]> = {
  'unregistered': ['registering', 'disposed'],
  'registering': ['registered', 'retry-wait', 'unregistered', 'unregistering', 'disposed'],
  'registered': ['registering', 'unregistering', 'retry-wait', 'unregistered', 'disposed'],
  'unregistering': ['unregistered', 'disposed'],
  'retry-wait': ['registering', 'unregistering', 'unregistered', 'disposed'],
  'disposed': [],
};
