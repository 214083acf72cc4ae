/**
 * Help URLs come from the configuration: a relative path or a fully qualified http(s) URL
 * (seed 000 4.19). Anything else (javascript:, data:...) is dropped, so a bad option value cannot
 * run script in the client.
 */
export function safeHelpUrl(url: unknown): string {
  if (typeof url !== 'string') return '';
  const u = url.trim();
  if (u === '' || u.length > 2048) return '';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(u);
  if (scheme === null) return u.startsWith('//') ? '' : u;
  const s = scheme[1]!.toLowerCase();
  return s === 'http' || s === 'https' ? u : '';
}
