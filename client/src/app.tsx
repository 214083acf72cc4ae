/** The client root: asks who is logged in, then shows the Login screen or the main window. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken, type SessionInfo } from './api.ts';
import { resolveLanguage, type Language } from './i18n/languages.ts';
import { safeHelpUrl } from './safe-url.ts';
import { LoginScreen } from './screens/login-screen.tsx';
import { MainWindow } from './screens/main-window.tsx';
import { SupervisorGate } from './supervisor/supervisor-gate.tsx';

const browserLanguages = (): readonly string[] => (navigator.languages?.length ? navigator.languages : [navigator.language]);

export function App() {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [locale, setLocale] = useState<string | undefined>(undefined);
  const [helpUrl, setHelpUrl] = useState('');

  const language: Language = resolveLanguage(browserLanguages(), session?.options.locale ?? locale);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  useEffect(() => {
    api.clientConfig().then(
      (c) => {
        setLocale(c.locale);
        setHelpUrl(safeHelpUrl(c['help-login-url']));
      },
      () => undefined,
    );
    api.session().then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
        setLoaded(true);
      },
      (x: unknown) => {
        if (!(x instanceof ApiError) || x.status !== 401) console.error('session check failed', x);
        setLoaded(true);
      },
    );
  }, []);

  if (!loaded) return null;
  if (session === null) {
    return (
      <LoginScreen
        language={language}
        helpUrl={helpUrl}
        onLogin={(s) => {
          setCsrfToken(s.csrfToken);
          setSession(s);
        }}
      />
    );
  }
  const loggedOut = () => {
    setCsrfToken('');
    setSession(null);
    document.title = 'OpenUCC';
  };
  return (
    <SupervisorGate userName={session.userName} onLogout={loggedOut}>
      <MainWindow language={language} session={session} onLogout={loggedOut} />
    </SupervisorGate>
  );
}
