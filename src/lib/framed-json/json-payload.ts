/**
 * The payload half of a framed-JSON protocol (T-Lib, the preview protocol): UTF-8 JSON bytes ⇄ a
 * JSON value, and a message to a length-prefixed frame. Pure: no I/O. Each protocol validates the
 * value against its own catalogue and maps these problems onto its own decode error.
 */
import { err, ok } from '../result.ts';
import type { Result } from '../result.ts';
import { UccError } from '../errors.ts';
import type { UccErrorCode } from '../errors.ts';
import { lengthPrefixed } from './length-prefix-framer.ts';

/**
 * The decode problems every framed-JSON protocol shares: the frame, its bytes, and the envelope
 * (a JSON object naming a known `message` of the kind this end accepts). Each protocol adds its
 * own field-level problems.
 */
export type FramedJsonEnvelopeProblem =
  | 'frame-too-large'
  | 'invalid-utf8'
  | 'invalid-json'
  | 'not-an-object'
  | 'missing-message'
  | 'unknown-message'
  | 'unexpected-kind';

/** Why a payload is not JSON at all. */
export interface JsonPayloadProblem {
  readonly problem: 'invalid-utf8' | 'invalid-json';
  /** A sentence naming the problem. */
  readonly detail: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one frame payload (UTF-8 JSON bytes) to a JSON value, not yet validated. */
export function decodeJsonPayload(payload: Uint8Array): Result<unknown, JsonPayloadProblem> {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return err({ problem: 'invalid-utf8', detail: 'The frame is not valid UTF-8.' });
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    // JSON.parse also throws RangeError on absurd nesting; either way the frame is unusable.
    const why = e instanceof Error ? e.message.slice(0, 120) : 'parse error';
    return err({ problem: 'invalid-json', detail: `The frame is not valid JSON (${why}).` });
  }
}

/** Serialises a message to its JSON payload bytes (`message` first, then its fields in order). */
export function encodeJsonPayload(msg: { readonly message: string }): Buffer {
  const { message, ...fields } = msg;
  return Buffer.from(JSON.stringify({ message, ...fields }), 'utf8');
}

/**
 * Encodes one message as a length-prefixed frame. Throws `UccError(code)` if the payload would
 * exceed `maxFrameBytes` (a programming error: the peer would drop the link).
 */
export function encodeJsonFrame(msg: { readonly message: string }, maxFrameBytes: number, code: UccErrorCode): Buffer {
  const payload = encodeJsonPayload(msg);
  if (payload.length > maxFrameBytes) {
    throw new UccError(code, `${msg.message} encodes to ${payload.length} bytes, over the ${maxFrameBytes}-byte frame limit`);
  }
  return lengthPrefixed(payload);
}
