/**
 * SIP responses and Switch causes, both ways (docs/voice.md, "Failures"). The cause of a failed
 * offer depends on how far the call got: a 408/480 after the phone rang is `noAnswer`, before it
 * `notFound`; a timeout or a transport failure with no response at all is `error`.
 */
import type { SwitchCause } from '../../tserver/switch-port.ts';

/** The cause of an offer's final non-2xx. `rang`: a 180/183 came; `heard`: any provisional came. */
export function causeOfFailure(status: number, progress: { rang: boolean; heard: boolean }): SwitchCause {
  if (status === 486 || status === 600) return 'busy';
  if (status === 404 || status === 604) return 'notFound';
  if (status === 480) return progress.rang ? 'noAnswer' : 'notFound';
  // A 408 with no provisional before it is Timer B: nothing answered at all.
  if (status === 408) return progress.rang ? 'noAnswer' : progress.heard ? 'notFound' : 'error';
  // A 503 with no provisional before it is what the stack synthesizes for a transport failure.
  if (status === 503 && !progress.heard) return 'error';
  return 'rejected';
}

/** The final response that refuses (or releases unanswered) an inbound call for `cause`. */
export function statusForCause(cause: SwitchCause): { status: number; reason: string } {
  switch (cause) {
    case 'unknownNumber':
    case 'notFound':
      return { status: 404, reason: 'Not Found' };
    case 'busy':
      return { status: 486, reason: 'Busy Here' };
    case 'rejected':
      return { status: 603, reason: 'Decline' };
    case 'error':
      return { status: 503, reason: 'Service Unavailable' };
    case 'noAnswer':
    case 'normal':
    default:
      return { status: 480, reason: 'Temporarily Unavailable' };
  }
}
