/**
 * The Subscription-State header (RFC 6665 section 8.2.3): `active;expires=N`,
 * `pending;expires=N`, `terminated;reason=R;retry-after=S`. Pure codec, shared by the subscriber
 * and the notifier (style rule 6).
 */
import { err, ok } from '../../lib/result.ts';
import type { Params } from '../message/sip-message.ts';
import type { Result } from '../../lib/result.ts';
import { parseParams } from '../grammar/params.ts';

export type SubscriptionSubstate = 'active' | 'pending' | 'terminated';

/**
 * Termination reasons (RFC 6665 section 4.2.2 / IANA registry). Unknown reasons are kept as text
 * and treated like an unspecified reason ("the subscriber MAY attempt re-subscription").
 */
export type TerminationReason = 'deactivated' | 'probation' | 'rejected' | 'timeout' | 'giveup' | 'noresource' | 'invariant' | (string & {});

export interface SubscriptionStateValue {
  state: SubscriptionSubstate | (string & {});
  expires?: number;
  reason?: TerminationReason;
  /** Seconds (RFC 6665 section 4.1.3). */
  retryAfter?: number;
}

/** Parses a Subscription-State value; names and the substate are case-insensitive. */
export function parseSubscriptionState(value: string): Result<SubscriptionStateValue, string> {
  if (value.length > 1024) return err('Subscription-State too long');
  const semi = value.indexOf(';');
  const state = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (!/^[a-z0-9.!%*_+`'~-]+$/.test(state)) return err(`bad substate ${JSON.stringify(state)}`);
  const p = semi < 0 ? ok<Params>({}) : parseParams(value.slice(semi));
  if (!p.ok) return err(p.error.message);
  const out: SubscriptionStateValue = { state };
  const num = (k: string): number | undefined => {
    const v = p.value[k];
    if (v === undefined || v === null || !/^\d{1,10}$/.test(v)) return undefined;
    return Number(v);
  };
  const expires = num('expires');
  if (expires !== undefined) out.expires = expires;
  const retry = num('retry-after');
  if (retry !== undefined) out.retryAfter = retry;
  const reason = p.value.reason;
  if (typeof reason === 'string') out.reason = reason.toLowerCase();
  return ok(out);
}

/** Formats a Subscription-State value. */
export function formatSubscriptionState(v: SubscriptionStateValue): string {
  let s = v.state;
  if (v.reason !== undefined) s += `;reason=${v.reason}`;
  if (v.expires !== undefined) s += `;expires=${Math.max(0, Math.floor(v.expires))}`;
  if (v.retryAfter !== undefined) s += `;retry-after=${Math.max(0, Math.floor(v.retryAfter))}`;
  return s;
}

/**
 * What a subscriber should do after `terminated;reason=R` (RFC 6665 section 4.1.3):
 * `now` → re-subscribe at once; `after` → re-subscribe after retry-after (or backoff when absent);
 * `never` → give up.
 */
export function retryPolicyFor(reason: TerminationReason | undefined): 'now' | 'after' | 'never' {
  switch (reason) {
    // "the subscriber SHOULD NOT attempt re-subscription" / "... the resource state is not going to change"
    case 'rejected':
    case 'noresource':
    case 'invariant':
      return 'never';
    // "the subscriber SHOULD attempt to re-subscribe immediately"
    case 'deactivated':
    case 'timeout':
      return 'now';
    // "the subscriber SHOULD NOT attempt re-subscription until after the number of seconds in retry-after"
    case 'probation':
    case 'giveup':
    default:
      return 'after';
  }
}
