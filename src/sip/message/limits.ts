/**
 * Size limits of the message parser and the stream framer. They are checked before the work they
 * bound: the message size before decoding, each line before it is split, the header count as lines
 * are read, so a hostile peer cannot make us allocate or scan more than a few times these sizes.
 */
import type { SipLimits } from './sip-message.ts';

/** 64 KiB per message (the UDP maximum), 8 KiB per header line, 256 header lines. */
export const DEFAULT_SIP_LIMITS: SipLimits = Object.freeze({
  maxMessageBytes: 65536,
  maxHeaderLineBytes: 8192,
  maxHeaders: 256,
});

/** Fills the missing fields of a partial limits object with the defaults. @internal */
export function resolveLimits(limits?: Partial<SipLimits>): SipLimits {
  if (limits === undefined) return DEFAULT_SIP_LIMITS;
  return {
    maxMessageBytes: limits.maxMessageBytes ?? DEFAULT_SIP_LIMITS.maxMessageBytes,
    maxHeaderLineBytes: limits.maxHeaderLineBytes ?? DEFAULT_SIP_LIMITS.maxHeaderLineBytes,
    maxHeaders: limits.maxHeaders ?? DEFAULT_SIP_LIMITS.maxHeaders,
  };
}
