/**
 * RLMI, the Resource List Meta-Information document of RFC 4662 section 5
 * (`application/rlmi+xml`): the root part of a list notification, naming each resource, its
 * instance state and the Content-ID of the part carrying its state.
 * https://www.rfc-editor.org/rfc/rfc4662#section-5
 */
import { err, ok } from '../lib/result.ts';
import type { Result } from '../lib/result.ts';
import { codecError } from './presence-codec-error.ts';
import type { PresenceCodecError } from './presence-codec-error.ts';
import { parseSafeXml } from './safe-xml.ts';
import type { XmlInput, XmlLimits } from './safe-xml.ts';
import { attr, childrenNamed } from './xml-element.ts';
import type { XmlElement } from './xml-element.ts';
import { ns } from './xml-namespaces.ts';

/** The MIME type of an RLMI document. */
export const RLMI_CONTENT_TYPE = 'application/rlmi+xml';

/**
 * RFC 4662 instance states, plus Microsoft's `resubscribe` ("this user lives on another pool",
 * with `poolFqdn`; protocol-notes section 1.6). Other values are kept as they are.
 */
export type RlmiInstanceState = 'active' | 'pending' | 'terminated' | 'resubscribe' | (string & {});

/** A `name` with its `xml:lang`. */
export interface RlmiName {
  readonly text: string;
  readonly lang: string | null;
}

/** An `instance`: one subscription to the resource. `cid` has no angle brackets. */
export interface RlmiInstance {
  readonly id: string;
  readonly state: RlmiInstanceState;
  readonly reason: string | null;
  readonly cid: string | null;
  /** Microsoft extension on `resubscribe`. */
  readonly poolFqdn: string | null;
}

/** A `resource`. No instance means the back-end subscription has no state yet (Kamailio's first NOTIFY). */
export interface RlmiResource {
  readonly uri: string;
  readonly names: readonly RlmiName[];
  readonly instances: readonly RlmiInstance[];
}

/** The RLMI `list`. */
export interface RlmiList {
  readonly uri: string;
  /** +1 per notification; a gap means re-SUBSCRIBE for full state (RFC 4662 section 5.2). */
  readonly version: number;
  /** true: resources not listed were removed; false: resources not listed are unchanged. */
  readonly fullState: boolean;
  readonly cid: string | null;
  readonly names: readonly RlmiName[];
  readonly resources: readonly RlmiResource[];
}

function namesOf(el: XmlElement): RlmiName[] {
  return childrenNamed(el, ns.rlmi, 'name').map((n) => ({ text: n.text.trim(), lang: attr(n, 'lang', ns.xml) ?? null }));
}

function parseBoolean(v: string): boolean | undefined {
  const t = v.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}

/** Parses an RLMI document. `list@uri`, `@version` (unsigned) and `@fullState` are required; so is `resource@uri`. */
export function parseRlmi(input: XmlInput, limits?: Partial<XmlLimits>): Result<RlmiList, PresenceCodecError> {
  const parsed = parseSafeXml(input, limits);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  if (root.local !== 'list' || root.ns !== ns.rlmi) {
    return err(codecError('unexpected-document', `expected RLMI <list xmlns="${ns.rlmi}">, got <${root.local}> in '${root.ns}'`));
  }
  const uri = attr(root, 'uri')?.trim();
  if (!uri) return err(codecError('missing-field', 'RLMI <list> has no uri'));
  const versionText = attr(root, 'version');
  if (versionText === undefined) return err(codecError('missing-field', 'RLMI <list> has no version'));
  if (!/^\s*\d{1,15}\s*$/.test(versionText)) return err(codecError('invalid-value', `RLMI version '${versionText}' is not an unsigned integer`));
  const fullStateText = attr(root, 'fullState');
  if (fullStateText === undefined) return err(codecError('missing-field', 'RLMI <list> has no fullState'));
  const fullState = parseBoolean(fullStateText);
  if (fullState === undefined) return err(codecError('invalid-value', `RLMI fullState '${fullStateText}' is not a boolean`));

  const resources: RlmiResource[] = [];
  for (const r of childrenNamed(root, ns.rlmi, 'resource')) {
    const ruri = attr(r, 'uri')?.trim();
    if (!ruri) return err(codecError('missing-field', 'RLMI <resource> has no uri'));
    const instances = childrenNamed(r, ns.rlmi, 'instance').map((i): RlmiInstance => ({
      id: attr(i, 'id') ?? '',
      state: attr(i, 'state')?.trim() ?? 'active',
      reason: attr(i, 'reason') ?? null,
      cid: attr(i, 'cid')?.trim() || null,
      poolFqdn: attr(i, 'poolFqdn')?.trim() || null,
    }));
    resources.push({ uri: ruri, names: namesOf(r), instances });
  }
  const cid = attr(root, 'cid')?.trim() || null;
  return ok({ uri, version: Number(versionText.trim()), fullState, cid, names: namesOf(root), resources });
}
