/**
 * The `application/msrtc-fault+xml` body of a 409 to a SERVICE publish, and the version correction
 * it asks for (protocol-notes section 2.4, vector V4; [MS-PRES] setDelegate example):
 * `Client.BadCall.WrongDelta` lists, per failed publication (1-based `index` in the request),
 * the server's `curVersion`. Fix those versions and re-send the whole request.
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import type { MsPresPublication } from './ms-pres-category-publish.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import { parseSafeXml } from './safe-xml.ts';
import type { XmlInput, XmlLimits } from './safe-xml.ts';
import { attr, descendants, trimmedText } from './xml-element.ts';
import type { XmlElement } from './xml-element.ts';

/** The MIME type of a fault body. */
export const MSRTC_FAULT_CONTENT_TYPE = 'application/msrtc-fault+xml';

/** The fault code that means "stale version". */
export const WRONG_DELTA_FAULT = 'Client.BadCall.WrongDelta';

/** One `details/operation`. */
export interface MsrtcFaultOperation {
  /** 1-based position of the `publication` in the request that failed. */
  readonly index: number;
  readonly version: number | null;
  readonly curVersion: number | null;
}

/** A parsed fault. */
export interface MsrtcFault {
  readonly faultCode: string;
  readonly operations: readonly MsrtcFaultOperation[];
}

const num = (v: string | undefined) => (v !== undefined && /^\s*\d{1,15}\s*$/.test(v) ? Number(v) : null);

/** Parses a fault body. The elements carry no namespace in the examples, so they are matched by local name. */
export function parseMsrtcFault(input: XmlInput, limits?: Partial<XmlLimits>): Result<MsrtcFault, PresenceCodecError> {
  const parsed = parseSafeXml(input, limits);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  if (root.local !== 'Fault') return err(codecError('unexpected-document', `expected <Fault>, got <${root.local}>`));
  const code = trimmedText(root.children.find((c) => c.local === 'Faultcode'));
  if (code === undefined) return err(codecError('missing-field', '<Fault> has no <Faultcode>'));
  const ops: MsrtcFaultOperation[] = [];
  const operations: XmlElement[] = descendants(root, root.ns, 'operation');
  for (const o of operations) {
    const index = num(attr(o, 'index'));
    if (index === null || index < 1) return err(codecError('invalid-value', `fault operation index '${attr(o, 'index') ?? ''}' is not a positive integer`));
    ops.push({ index, version: num(attr(o, 'version')), curVersion: num(attr(o, 'curVersion')) });
  }
  return ok({ faultCode: code, operations: ops });
}

/**
 * The publications of a request with the versions a WrongDelta fault reported (`curVersion` of
 * each listed index), ready to re-send. Returns undefined when the fault is not WrongDelta or names
 * an index outside the request: log and give up (section 2.4).
 */
export function correctVersionsFromFault<P extends MsPresPublication>(publications: readonly P[], fault: MsrtcFault): P[] | undefined {
  if (fault.faultCode !== WRONG_DELTA_FAULT) return undefined;
  const next = [...publications];
  for (const op of fault.operations) {
    const p = next[op.index - 1];
    if (p === undefined || op.curVersion === null) return undefined;
    next[op.index - 1] = { ...p, version: op.curVersion };
  }
  return next;
}
