/**
 * Client languages and the choice among them (seed 000 4.20): the browser's preferred languages
 * first (navigator.languages, in order; `fr-CA` counts as `fr`), then the `locale` option, then
 * English. Pure, so it is unit-tested without a browser.
 */

/** English, French, German, Italian, Russian, Spanish (Latin America). */
export const supportedLanguages = ['en', 'fr', 'de', 'it', 'ru', 'es'] as const;
export type Language = (typeof supportedLanguages)[number];

function asSupported(tag: string | undefined): Language | undefined {
  if (typeof tag !== 'string') return undefined;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (supportedLanguages as readonly string[]).includes(primary) ? (primary as Language) : undefined;
}

/**
 * The UI language.
 * @param browserLanguages navigator.languages (or [navigator.language])
 * @param localeOption the `locale` option as the server sent it (already resolved when `default`)
 */
export function resolveLanguage(browserLanguages: readonly string[] | undefined, localeOption: string | undefined): Language {
  for (const tag of (browserLanguages ?? []).slice(0, 32)) {
    const l = asSupported(tag);
    if (l) return l;
  }
  return asSupported(localeOption) ?? 'en';
}
