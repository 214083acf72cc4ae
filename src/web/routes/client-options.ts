/**
 * The options the browser client needs, read through the OptionResolver (Person annex over
 * Application where the option table allows it), so a change takes effect on the next request.
 * Numbered families (`userdata-preview-format<n>`) are listed from the Application's section in
 * option-name order; seed 000 5.1 allows `n` empty, so the bare name counts too.
 */
import type { ConfigView } from '../../config/config-index.ts';
import { findSection } from '../../config/config-objects.ts';
import type { OptionResolver } from '../../config/option-resolver.ts';

const SECTION = 'uc-connector';

/** Options shown before login (the Login screen). */
export interface PublicClientOptions {
  'help-login-url': string;
  locale: string;
}

/** Options the logged-in client reads. Names are the seed's, verbatim. */
export interface ClientOptions extends PublicClientOptions {
  'help-callcontrol-url': string;
  'help-interaction-url': string;
  'enable-logout-menu': boolean;
  'redirect-setup-enabled': boolean;
  'preview-shortkey-accept': string;
  'preview-shortkey-reject': string;
  'preview-expiration-timeout': number;
  'itx-window-close-timeout': number;
  'popup-udata-key': string;
  'audio-on-preview': string;
  'audio-on-ring': string;
  'chat-title': string;
  'chat-consult-title': string;
  'userdata-title': string;
  'userdata-note-title': string;
  'userdata-note-key': string;
  'userdata-contact-format': string;
  'userdata-onringing': boolean;
  'userdata-note-onpreview': boolean;
  'userdata-note-onringing': boolean;
  'userdata-contact-onpreview': boolean;
  'userdata-contact-onringing': boolean;
  /** `userdata-preview-format<n>` values in option-name order. */
  'userdata-preview-format': string[];
  /** `userdata-call-format<n>` values in option-name order. */
  'userdata-call-format': string[];
}

const clientLanguages = ['en', 'fr', 'de', 'it', 'ru', 'es'];

/**
 * `locale=default` means the language of the UC Connector host when the client supports it, else
 * English (seed 000 4.20); the browser cannot know the host's, so the server resolves it.
 */
export function resolveLocaleOption(locale: string, hostLocale: string): string {
  if (locale !== 'default') return locale;
  const primary = hostLocale.toLowerCase().split(/[-_]/)[0] ?? '';
  return clientLanguages.includes(primary) ? primary : 'en';
}

/** Reads {@link ClientOptions}; `application` is the UC Connector's Application object name. */
export class ClientOptionsReader {
  constructor(
    private readonly resolver: OptionResolver,
    private readonly view: ConfigView,
    private readonly application: string,
    /** The host's locale, for `locale=default` (tests pass one). */
    private readonly hostLocale: string = Intl.DateTimeFormat().resolvedOptions().locale,
  ) {}

  /** Before login: only what the Login screen shows. */
  publicOptions(): PublicClientOptions {
    return { 'help-login-url': this.str('help-login-url'), locale: resolveLocaleOption(this.str('locale'), this.hostLocale) };
  }

  /** For a logged-in KW (Person annex overrides apply). */
  forPerson(userName: string): ClientOptions {
    const ctx = { person: userName };
    const s = (n: string): string => this.str(n, ctx);
    const b = (n: string): boolean => this.resolver.getBoolean(SECTION, n, ctx);
    return {
      ...this.publicOptions(),
      'help-callcontrol-url': s('help-callcontrol-url'),
      'help-interaction-url': s('help-interaction-url'),
      'enable-logout-menu': b('enable-logout-menu'),
      'redirect-setup-enabled': b('redirect-setup-enabled'),
      'preview-shortkey-accept': s('preview-shortkey-accept'),
      'preview-shortkey-reject': s('preview-shortkey-reject'),
      'preview-expiration-timeout': this.resolver.getNumber(SECTION, 'preview-expiration-timeout', ctx),
      'itx-window-close-timeout': this.resolver.getNumber(SECTION, 'itx-window-close-timeout', ctx),
      'popup-udata-key': s('popup-udata-key'),
      'audio-on-preview': s('audio-on-preview'),
      'audio-on-ring': s('audio-on-ring'),
      'chat-title': s('chat-title'),
      'chat-consult-title': s('chat-consult-title'),
      'userdata-title': s('userdata-title'),
      'userdata-note-title': s('userdata-note-title'),
      'userdata-note-key': s('userdata-note-key'),
      'userdata-contact-format': s('userdata-contact-format'),
      'userdata-onringing': b('userdata-onringing'),
      'userdata-note-onpreview': b('userdata-note-onpreview'),
      'userdata-note-onringing': b('userdata-note-onringing'),
      'userdata-contact-onpreview': b('userdata-contact-onpreview'),
      'userdata-contact-onringing': b('userdata-contact-onringing'),
      'userdata-preview-format': this.family('userdata-preview-format'),
      'userdata-call-format': this.family('userdata-call-format'),
    };
  }

  private str(name: string, ctx?: { person: string }): string {
    return this.resolver.getString(SECTION, name, ctx) ?? '';
  }

  /** `stem`, `stem1`, `stem2`... from the Application section, ordered by their number (bare first). */
  private family(stem: string): string[] {
    const options = findSection(this.view.get('applications', this.application)?.options, SECTION) ?? {};
    const found: Array<{ n: number; value: string }> = [];
    for (const [name, value] of Object.entries(options)) {
      if (!name.startsWith(stem)) continue;
      const rest = name.slice(stem.length);
      if (rest !== '' && !/^\d{1,6}$/.test(rest)) continue;
      found.push({ n: rest === '' ? -1 : Number(rest), value: String(value) });
    }
    return found.sort((a, b) => a.n - b.n).map((f) => f.value);
  }
}
