/**
 * Options shared by the user agents that keep one out-of-dialog request alive by refreshing it
 * before it expires, retrying with backoff after failures (REGISTER: RegistrationClient; PUBLISH:
 * Publisher).
 */
import type { BackoffOptions } from '../../lib/backoff.ts';
import type { Clock } from '../../lib/clock.ts';
import type { DigestClient } from '../auth/digest-client.ts';
import type { TransactionUser } from '../transaction/transaction-user.ts';

export interface RefreshedRequestOptions {
  tu: TransactionUser;
  clock: Clock;
  /** Our address of record (From; for REGISTER also To). */
  aor: string;
  /** Requested lifetime, seconds. Default 3600. */
  expires?: number;
  /** Answers 401/407 challenges. */
  digest?: DigestClient;
  /** Refresh at this fraction of the granted lifetime. Default 0.9. */
  refreshFraction?: number;
  backoff?: BackoffOptions;
  routes?: readonly string[];
  headers?: Record<string, string | readonly string[]>;
}
