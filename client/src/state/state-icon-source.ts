/**
 * What a presence definition's icon or badge string shows (seed 000 4.12): a predefined
 * `tag:ucc.genesyslab.com,2013:icons/status/<name>` is drawn by the client; a relative path or an
 * http(s) URL is loaded as an image; anything else (javascript:, data:...) shows nothing.
 */
import { safeHelpUrl } from '../safe-url.ts';

const TAG = 'tag:ucc.genesyslab.com,2013:icons/status/';
const PREDEFINED = new Set(['ready', 'partready', 'notready', 'dnd', 'logout', 'oos', 'ready-badge', 'partready-badge', 'notready-badge', 'dnd-badge', 'logout-badge', 'oos-badge']);

export type IconSource = { kind: 'predefined'; name: string } | { kind: 'image'; url: string } | null;

export function stateIconSource(src: string | null): IconSource {
  if (src === null) return null;
  if (src.startsWith(TAG)) {
    const name = src.slice(TAG.length);
    return PREDEFINED.has(name) ? { kind: 'predefined', name: name.replace(/-badge$/, '') } : null;
  }
  const url = safeHelpUrl(src);
  return url === '' ? null : { kind: 'image', url };
}
