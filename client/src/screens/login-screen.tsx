/** The Login screen: user name, password, and a Help button when `help-login-url` is set. */
import { useState } from 'preact/hooks';
import { api, ApiError, type SessionInfo } from '../api.ts';
import { translate, type MessageKey } from '../i18n/catalogues.ts';
import type { Language } from '../i18n/languages.ts';
import { askNotificationPermission } from '../attention/use-preview-attention.ts';

export function LoginScreen(props: { language: Language; helpUrl: string; onLogin: (s: SessionInfo) => void }) {
  const t = (k: MessageKey, p?: Record<string, string | number>) => translate(props.language, k, p);
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    // The sign-in is a user gesture: the moment to ask for preview notifications (once; the
    // browser remembers the answer). The header offers it again while it is still undecided.
    void askNotificationPermission();
    setBusy(true);
    setError('');
    try {
      props.onLogin(await api.login(userName, password));
    } catch (x) {
      const status = x instanceof ApiError ? x.status : 0;
      if (status === 401) setError(t('login.invalid'));
      else if (status === 429) setError(t('login.throttled', { seconds: (x as ApiError).retryAfterSeconds ?? 60 }));
      else if (status === 0) setError(t('error.network'));
      else setError(t('login.failed'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <h1>OpenUCC</h1>
      <form data-testid="login-form" onSubmit={submit}>
        <h2>{t('login.title')}</h2>
        <label>
          {t('login.userName')}
          <input data-testid="login-username" name="username" autocomplete="username" required value={userName} onInput={(e) => setUserName(e.currentTarget.value)} />
        </label>
        <label>
          {t('login.password')}
          <input data-testid="login-password" name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error !== '' && (
          <p data-testid="login-error" role="alert" class="error">
            {error}
          </p>
        )}
        <div class="buttons">
          <button data-testid="login-submit" type="submit" disabled={busy}>
            {t('login.submit')}
          </button>
          {props.helpUrl !== '' && (
            <button data-testid="login-help" type="button" onClick={() => window.open(props.helpUrl, '_blank', 'noopener')}>
              {t('login.help')}
            </button>
          )}
        </div>
      </form>
    </main>
  );
}
