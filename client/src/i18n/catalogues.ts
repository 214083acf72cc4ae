/**
 * UI texts in the six client languages. English is the reference: every catalogue has exactly its
 * keys (a unit test checks). Configured texts (userdata titles, custom state texts) are not here:
 * they come from the configuration as written (seed 000: localisation does not alter user data).
 */
import type { Language } from './languages.ts';
import { en, type Catalogue, type MessageKey } from './catalogue-en.ts';
import { fr } from './catalogue-fr.ts';
import { de } from './catalogue-de.ts';
import { it } from './catalogue-it.ts';
import { ru } from './catalogue-ru.ts';
import { es } from './catalogue-es.ts';

export type { Catalogue, MessageKey } from './catalogue-en.ts';

export const catalogues: Readonly<Record<Language, Catalogue>> = { en, fr, de, it, ru, es };

/** The text of a key in a language (English when missing), with `{name}` placeholders filled. */
export function translate(language: Language, key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = catalogues[language][key] ?? catalogues.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
