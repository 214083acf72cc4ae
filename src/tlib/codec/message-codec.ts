/**
 * The T-Library message codec: JSON object ⇄ typed message, validated against the catalogue.
 * Pure: no I/O, no clock, no logger (style rule 6). Client and server use the same module.
 */
import { ok, err } from '../../lib/result.ts';
import type { Result } from '../../lib/result.ts';
import { attributeRules } from '../messages/attribute-types.ts';
import type { AttributeName, AttributeRule } from '../messages/attribute-types.ts';
import { isConnId } from '../messages/connection-id.ts';
import { defaultKvLimits } from '../../lib/kv-list.ts';
import { checkValue } from '../../lib/value-rules.ts';
import { isReferenceId } from '../../lib/reference-id.ts';
import type { KvLimits } from '../../lib/kv-list.ts';
import { allowedAttributes, isMessageName, messageCatalogue } from '../messages/message-catalogue.ts';
import type { MessageSpec, TlibMessage } from '../messages/message-catalogue.ts';
import { decodeJsonPayload, encodeJsonPayload } from '../../lib/framed-json/json-payload.ts';
import { decodeError } from './decode-error.ts';
import type { TlibDecodeError } from './decode-error.ts';

/** Which message kinds a decoder accepts: a server takes requests, a client takes events. */
export type AcceptKind = 'request' | 'event' | 'any';

/** Options of {@link parseMessage} and the frame decoder. */
export interface ParseOptions {
  readonly accept?: AcceptKind;
  readonly kvLimits?: KvLimits;
}

/** Reads a ReferenceID from an untrusted object if it is a valid one (for error replies). */
function readReferenceId(o: Record<string, unknown>): number | undefined {
  const r = o['ReferenceID'];
  return isReferenceId(r) ? r : undefined;
}

/** The ReferenceID a problem report carries, when it could be read (built only for a problem). */
function refOf(o: Record<string, unknown>): { referenceId?: number } {
  const referenceId = readReferenceId(o);
  return referenceId === undefined ? {} : { referenceId };
}

/** Checks one attribute value against its rule; returns a problem description or undefined. */
function checkAttribute(name: AttributeName, rule: AttributeRule, v: unknown, limits: KvLimits): string | undefined {
  if (rule.kind === 'connId') return isConnId(v) ? undefined : `${name} must be 16 lower-case hexadecimal digits`;
  return checkValue(name, rule, v, limits);
}

/**
 * Validates a parsed JSON value as a T-Library message. On success the value is a fresh object
 * holding only `message` and catalogue attributes.
 */
export function parseMessage(input: unknown, options: ParseOptions = {}): Result<TlibMessage, TlibDecodeError> {
  const accept = options.accept ?? 'any';
  const limits = options.kvLimits ?? defaultKvLimits;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return err(decodeError('not-an-object', 'The frame is not a JSON object.'));
  }
  const o = input as Record<string, unknown>;
  const name = o['message'];
  if (typeof name !== 'string') return err(decodeError('missing-message', 'The frame has no "message" string.', refOf(o)));
  if (!isMessageName(name)) {
    return err(decodeError('unknown-message', `Unknown message "${name.slice(0, 64)}".`, { ...refOf(o), messageName: name.slice(0, 64) }));
  }
  const spec: MessageSpec = messageCatalogue[name];
  if (accept !== 'any' && spec.kind !== accept) {
    return err(decodeError('unexpected-kind', `${name} is ${spec.kind === 'request' ? 'a request' : 'an event'}; only ${accept}s are accepted here.`, { ...refOf(o), messageName: name }));
  }
  const allowed = allowedAttributes(name);
  const out: Record<string, unknown> = { message: name };
  for (const key in o) {
    if (key === 'message' || !Object.prototype.hasOwnProperty.call(o, key)) continue;
    if (!allowed.has(key as AttributeName)) {
      return err(decodeError('unknown-attribute', `${key.slice(0, 64)} is not an attribute of ${name}.`, { ...refOf(o), messageName: name, attribute: key.slice(0, 64) }));
    }
    const attr = key as AttributeName;
    const rule = attributeRules[attr];
    const problem = checkAttribute(attr, rule, o[key], limits);
    if (problem) {
      const kind = rule.kind === 'connId' ? 'invalid-connid' : 'invalid-attribute';
      return err(decodeError(kind, `${name}: ${problem}.`, { ...refOf(o), messageName: name, attribute: attr }));
    }
    out[attr] = o[key];
  }
  for (const attr of spec.required) {
    if (!(attr in out)) return err(decodeError('missing-attribute', `${name} requires ${attr}.`, { ...refOf(o), messageName: name, attribute: attr }));
  }
  // The one cross-attribute rule: a route needs a target unless it rejects or drops the call.
  if (name === 'RequestRouteCall' && out['OtherDN'] === undefined && out['RouteType'] !== 'Reject' && out['RouteType'] !== 'CallDisconnect') {
    return err(decodeError('missing-attribute', 'RequestRouteCall requires OtherDN unless RouteType is Reject or CallDisconnect.', { ...refOf(o), messageName: name, attribute: 'OtherDN' }));
  }
  return ok(out as unknown as TlibMessage);
}

/** Decodes one frame payload (UTF-8 JSON bytes) into a message. */
export function decodeMessage(payload: Uint8Array, options: ParseOptions = {}): Result<TlibMessage, TlibDecodeError> {
  const value = decodeJsonPayload(payload);
  return value.ok ? parseMessage(value.value, options) : err(decodeError(value.error.problem, value.error.detail));
}

/** Serialises a message to its JSON payload bytes (`message` first, then attributes in order). */
export function encodeMessage(msg: TlibMessage): Buffer {
  return encodeJsonPayload(msg);
}
