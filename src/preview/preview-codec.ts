/**
 * The preview protocol codec: JSON object ⇄ typed message (preview-messages.ts), validated against
 * the protocol's own catalogue, and the frame decoder on the T-Lib framing (4-byte big-endian
 * length + UTF-8 JSON, shared with T-Lib through src/lib/framed-json). Pure: no I/O, no clock, no
 * logger (style rule 6); the connector side and the router side import this one module.
 * docs/protocols/preview.md is the reference.
 */
import { err, ok, type Result } from '../lib/result.ts';
import { LengthPrefixFramer } from '../lib/framed-json/length-prefix-framer.ts';
import { decodeJsonPayload, encodeJsonFrame, encodeJsonPayload } from '../lib/framed-json/json-payload.ts';
import type { FramedJsonEnvelopeProblem } from '../lib/framed-json/json-payload.ts';
import { isReferenceId, maxReferenceId } from '../lib/reference-id.ts';
import { defaultKvLimits, type KvLimits } from '../lib/kv-list.ts';
import { checkValue, type ValueRule } from '../lib/value-rules.ts';
import type { PreviewInteractionResult, PreviewMessage, PreviewOutcome, PreviewRequest } from './preview-messages.ts';

/** Largest frame accepted before a connection authenticated (as T-Lib): 64 KiB. */
export const previewPreAuthMaxFrameBytes = 64 * 1024;

/** Default largest frame payload: 1 MiB (as T-Lib). */
export const defaultMaxPreviewFrameBytes = 1024 * 1024;
/** Most KWs one PreviewInteractionMultiple may name. */
export const maxPreviewTargets = 10_000;
/** Longest countdown override a request may carry: one hour. */
export const maxPreviewTimeoutMs = 3_600_000;
/** The `^` that separates `targets` (the seed's replacement of the default `|`). */
export const previewTargetSeparator = '^';

/** Every outcome word, in the order of the docs. */
export const previewOutcomes: readonly PreviewOutcome[] = ['accepted', 'rejected', 'timeout', 'taken', 'cancelled', 'error', 'redirected'];

/** The kinds of decode problem: the shared envelope ones, then the field checks. */
export type PreviewDecodeProblem = FramedJsonEnvelopeProblem | 'unknown-field' | 'missing-field' | 'invalid-field';

/** A decode failure. Only `frame-too-large` is fatal (the link must close). */
export interface PreviewDecodeError {
  readonly problem: PreviewDecodeProblem;
  readonly fatal: boolean;
  /** A sentence naming the problem (sent back as the result's `reason`). */
  readonly detail: string;
  readonly messageName?: string;
  readonly field?: string;
  /** The ReferenceID when it was readable, so the error result can carry it. */
  readonly referenceId?: number;
  /** The connId when it was readable. */
  readonly connId?: string;
}

/** Which messages an end accepts: the connector takes requests, the router takes results. */
export type PreviewAcceptKind = 'request' | 'result' | 'any';

type FieldRule = ValueRule | { kind: 'referenceId' };

interface PreviewMessageSpec {
  readonly kind: 'request' | 'result';
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

const fieldRules: Readonly<Record<string, FieldRule>> = {
  ReferenceID: { kind: 'referenceId' },
  agent: { kind: 'string', maxLength: 255 },
  connId: { kind: 'string', maxLength: 64 },
  dn: { kind: 'string', maxLength: 255 },
  mediaType: { kind: 'string', maxLength: 64 },
  switch: { kind: 'string', maxLength: 255 },
  userData: { kind: 'kvList' },
  // 10 000 targets of up to 255 characters, with separators.
  targets: { kind: 'string', maxLength: maxPreviewTargets * 256 },
  timeout: { kind: 'integer', min: 1, max: maxPreviewTimeoutMs },
  reason: { kind: 'string', maxLength: 1024, allowEmpty: true },
  result: { kind: 'enum', values: previewOutcomes },
  fence: { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER },
  fences: { kind: 'string', maxLength: maxPreviewTargets * 17 },
  ApplicationName: { kind: 'string', maxLength: 255 },
  ApplicationPassword: { kind: 'string', maxLength: 1024 },
};

const resultConnIdRule: FieldRule = { kind: 'string', maxLength: 64, allowEmpty: true };

/** The catalogue: which fields each message has. */
export const previewCatalogue: Readonly<Record<PreviewMessage['message'], PreviewMessageSpec>> = {
  PreviewInteractionRequest: { kind: 'request', required: ['ReferenceID', 'agent', 'connId', 'dn', 'mediaType', 'switch', 'userData'], optional: ['timeout', 'fence'] },
  PreviewInteractionMultiple: { kind: 'request', required: ['ReferenceID', 'connId', 'dn', 'mediaType', 'switch', 'userData', 'targets'], optional: ['timeout', 'fences'] },
  PreviewInteractionCancel: { kind: 'request', required: ['ReferenceID', 'connId'], optional: ['reason'] },
  PreviewInteractionResult: { kind: 'result', required: ['ReferenceID', 'connId', 'result'], optional: ['agent', 'dn', 'fence', 'reason'] },
  PreviewRegisterClient: { kind: 'request', required: ['ReferenceID', 'ApplicationName'], optional: ['ApplicationPassword'] },
  PreviewClientRegistered: { kind: 'result', required: ['ReferenceID', 'ApplicationName'], optional: [] },
};

function isPreviewMessageName(s: string): s is PreviewMessage['message'] {
  return Object.prototype.hasOwnProperty.call(previewCatalogue, s);
}

function problem(p: PreviewDecodeProblem, detail: string, extra: Omit<PreviewDecodeError, 'problem' | 'fatal' | 'detail'> = {}): PreviewDecodeError {
  return { problem: p, fatal: p === 'frame-too-large', detail, ...extra };
}

function checkField(name: string, rule: FieldRule, v: unknown, limits: KvLimits): string | undefined {
  if (rule.kind !== 'referenceId') return checkValue(name, rule, v, limits);
  if (!isReferenceId(v)) return `${name} must be an integer between 1 and ${maxReferenceId}`;
  return undefined;
}

/**
 * Splits `targets` (`a^b^c`) into agent names. Returns the first problem as a string: an empty
 * name, a name over 255 characters, or more than {@link maxPreviewTargets} names. Duplicates are
 * kept (the connector offers each KW once).
 */
export function splitPreviewTargets(targets: string): Result<string[], string> {
  const names = targets.split(previewTargetSeparator);
  if (names.length > maxPreviewTargets) return err(`targets names more than ${maxPreviewTargets} agents`);
  for (let i = 0; i < names.length; i++) {
    const n = names[i] ?? '';
    if (n.length === 0) return err(`targets has an empty agent name at position ${i + 1}`);
    if (n.length > 255) return err(`targets has an agent name longer than 255 characters at position ${i + 1}`);
  }
  return ok(names);
}

/** Splits `fences` (`3^7^1`) into integers; there must be exactly `count` of them (one per target). */
export function splitPreviewFences(fences: string, count: number): Result<number[], string> {
  const parts = fences.split(previewTargetSeparator);
  if (parts.length !== count) return err(`fences has ${parts.length} values for ${count} targets`);
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,16}$/.test(p)) return err(`fences value "${p.slice(0, 20)}" is not a non-negative integer`);
    const n = Number(p);
    if (!Number.isSafeInteger(n)) return err(`fences value ${p} is too large`);
    out.push(n);
  }
  return ok(out);
}

/** Options of {@link parsePreviewMessage} and the frame decoder. */
export interface PreviewParseOptions {
  readonly accept?: PreviewAcceptKind;
  readonly kvLimits?: KvLimits;
}

/**
 * Validates a parsed JSON value as a preview message. On success the value is a fresh object
 * holding only `message` and catalogue fields.
 */
export function parsePreviewMessage(input: unknown, options: PreviewParseOptions = {}): Result<PreviewMessage, PreviewDecodeError> {
  const accept = options.accept ?? 'any';
  const limits = options.kvLimits ?? defaultKvLimits;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return err(problem('not-an-object', 'The frame is not a JSON object.'));
  const o = input as Record<string, unknown>;
  const extra: { referenceId?: number; connId?: string; messageName?: string } = {};
  const r = o['ReferenceID'];
  if (checkField('ReferenceID', { kind: 'referenceId' }, r, limits) === undefined) extra.referenceId = r as number;
  const c = o['connId'];
  if (typeof c === 'string' && checkField('connId', { kind: 'string', maxLength: 64 }, c, limits) === undefined) extra.connId = c;
  const name = o['message'];
  if (typeof name !== 'string') return err(problem('missing-message', 'The frame has no "message" string.', extra));
  if (!isPreviewMessageName(name)) return err(problem('unknown-message', `Unknown message "${name.slice(0, 64)}".`, { ...extra, messageName: name.slice(0, 64) }));
  extra.messageName = name;
  const spec = previewCatalogue[name];
  if (accept !== 'any' && spec.kind !== accept) {
    return err(problem('unexpected-kind', `${name} is a ${spec.kind}; only ${accept}s are accepted here.`, extra));
  }
  const out: Record<string, unknown> = { message: name };
  for (const key of Object.keys(o)) {
    if (key === 'message') continue;
    if (!spec.required.includes(key) && !spec.optional.includes(key)) {
      return err(problem('unknown-field', `${key.slice(0, 64)} is not a field of ${name}.`, { ...extra, field: key.slice(0, 64) }));
    }
    // A result may carry an empty connId: the answer to a frame whose connId could not be read.
    const rule = key === 'connId' && name === 'PreviewInteractionResult' ? resultConnIdRule : fieldRules[key];
    const why = rule ? checkField(key, rule, o[key], limits) : `${key} has no rule`;
    if (why) return err(problem('invalid-field', `${name}: ${why}.`, { ...extra, field: key }));
    out[key] = o[key];
  }
  for (const f of spec.required) {
    if (!(f in out)) return err(problem('missing-field', `${name} requires ${f}.`, { ...extra, field: f }));
  }
  if (name === 'PreviewInteractionMultiple') {
    const t = splitPreviewTargets(out['targets'] as string);
    if (!t.ok) return err(problem('invalid-field', `${name}: ${t.error}.`, { ...extra, field: 'targets' }));
    if (out['fences'] !== undefined) {
      const f = splitPreviewFences(out['fences'] as string, t.value.length);
      if (!f.ok) return err(problem('invalid-field', `${name}: ${f.error}.`, { ...extra, field: 'fences' }));
    }
  }
  return ok(out as unknown as PreviewMessage);
}

/** Decodes one frame payload (UTF-8 JSON bytes). */
export function decodePreviewPayload(payload: Uint8Array, options: PreviewParseOptions = {}): Result<PreviewMessage, PreviewDecodeError> {
  if (payload.length === 0) return err(problem('invalid-json', 'The frame is empty.'));
  const value = decodeJsonPayload(payload);
  return value.ok ? parsePreviewMessage(value.value, options) : err(problem(value.error.problem, value.error.detail));
}

/** Serialises a message to its JSON payload (`message` first). */
export function encodePreviewPayload(msg: PreviewMessage): Buffer {
  return encodeJsonPayload(msg);
}

/**
 * Encodes one message as a frame. Throws `UCC_ERR_PREVIEW_FRAME` if the payload would exceed
 * `maxFrameBytes` (a programming error: the peer would drop the link).
 */
export function encodePreviewFrame(msg: PreviewMessage, maxFrameBytes = defaultMaxPreviewFrameBytes): Buffer {
  return encodeJsonFrame(msg, maxFrameBytes, 'UCC_ERR_PREVIEW_FRAME');
}

/** One decoded frame. */
export type DecodedPreviewFrame = Result<PreviewMessage, PreviewDecodeError>;

/** Incremental decoder: per-frame problems are returned and decoding goes on; an oversized length is fatal. */
export class PreviewFrameDecoder {
  private readonly framer: LengthPrefixFramer;
  private readonly options: PreviewParseOptions;

  constructor(options: PreviewParseOptions & { maxFrameBytes?: number } = {}) {
    this.framer = new LengthPrefixFramer(options.maxFrameBytes ?? defaultMaxPreviewFrameBytes);
    this.options = options;
  }

  get failed(): boolean {
    return this.framer.failed;
  }

  /** The current payload limit. */
  get maxFrameBytes(): number {
    return this.framer.limit;
  }

  /** Changes the limit for the frames that follow (the server lifts the pre-authentication limit). */
  set maxFrameBytes(n: number) {
    this.framer.limit = n;
  }

  /** Bytes held waiting for the rest of a frame (a stalled sender shows here). */
  get buffered(): number {
    return this.framer.buffered;
  }

  /** Adds received bytes (kept as a view) and returns every frame they complete. */
  push(chunk: Uint8Array): DecodedPreviewFrame[] {
    const out: DecodedPreviewFrame[] = [];
    for (const unit of this.framer.push(chunk)) {
      if ('tooLarge' in unit) out.push(err(problem('frame-too-large', `Frame length ${unit.tooLarge} exceeds the limit of ${this.framer.limit} bytes.`)));
      else out.push(decodePreviewPayload(unit.payload, this.options));
    }
    return out;
  }
}

/** True for the interaction requests the router sends (not the handshake). */
export function isPreviewRequest(m: PreviewMessage): m is PreviewRequest {
  return m.message === 'PreviewInteractionRequest' || m.message === 'PreviewInteractionMultiple' || m.message === 'PreviewInteractionCancel';
}

/** True for the connector's result. */
export function isPreviewResult(m: PreviewMessage): m is PreviewInteractionResult {
  return m.message === 'PreviewInteractionResult';
}
