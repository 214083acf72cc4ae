/**
 * The main window: state indicator and state menu, the "unavailable for contact-center work"
 * toggle (connector DND), Logout when `enable-logout-menu` allows, redirect-number Setup when
 * `redirect-setup-enabled` allows, and the Interactions / Channels tabs. The KW view is polled
 * until the KW WebSocket pushes it. Every value is rendered as text (no HTML injection).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type KnowledgeWorker, type SessionInfo, type StateDisplay } from '../api.ts';
import { translate, type MessageKey } from '../i18n/catalogues.ts';
import type { Language } from '../i18n/languages.ts';
import { combinedIndicator } from '../state/channel-indicator.ts';
import { RedirectSetup } from './redirect-setup.tsx';

/** The standalone presence choices of the state menu (the connector maps them to agent states). */
const menuAvailabilities = ['online', 'busy', 'do-not-disturb', 'be-right-back', 'away', 'offline'] as const;
const POLL_MS = 5000;

/** Texts of the predefined states (the custom ones bring their own, from the presence definition). */
const predefinedKeys: Record<string, MessageKey> = {
  predefReady: 'state.ready',
  predefNotReady: 'state.notReady',
  predefDND: 'state.dnd',
  predefLoggedOut: 'state.loggedOut',
  predefPartReady: 'state.partReady',
  predefOutOfService: 'state.outOfService',
};

function stateKey(kw: KnowledgeWorker | null): MessageKey {
  if (kw === null || kw.agentState === 'LoggedOut') return 'state.loggedOut';
  if (kw.agentState === 'Ready') return 'state.ready';
  return kw.connectorDnd ? 'state.dnd' : 'state.notReady';
}

export function MainWindow(props: { language: Language; session: SessionInfo; onLogout: () => void }) {
  const { session } = props;
  const t = (k: MessageKey) => translate(props.language, k);
  const [kw, setKw] = useState<KnowledgeWorker | null>(null);
  const [display, setDisplay] = useState<StateDisplay | null>(null);
  const [tab, setTab] = useState<'interactions' | 'channels'>('interactions');
  const [error, setError] = useState('');
  const [setupOpen, setSetupOpen] = useState(false);

  const refresh = async () => {
    try {
      setKw(await api.knowledgeWorker(session.userName));
      setDisplay(await api.stateDisplay(session.userName, props.language).catch(() => null));
      setError('');
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) props.onLogout();
      else setError(t('error.network'));
    }
  };

  useEffect(() => {
    document.title = session.windowTitle;
    void refresh();
    const timer = window.setInterval(() => void refresh(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [session.userName]);

  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      await refresh();
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) props.onLogout();
      else setError(x instanceof ApiError && x.status !== 0 ? x.message : t('error.network'));
    }
  };

  const logout = () => act(async () => {
    await api.logout();
    props.onLogout();
  });

  const channels = kw ? [{ dn: kw.dn, state: kw.agentState }] : [];
  const combined = combinedIndicator(channels.map((c) => c.state));
  const key = stateKey(kw);
  // The presence definition's status text when a custom state matches, else the predefined state's own text.
  const shown = display?.state;
  const indicatorText = shown?.statusText ?? (shown ? t(predefinedKeys[shown.id] ?? key) : t(key));

  return (
    <main class="main-window">
      <header>
        <span data-testid="state-indicator" class={`indicator ${key.replace('state.', '')}`} data-state={kw?.agentState ?? 'LoggedOut'} data-display-state={shown?.id ?? ''}>
          {indicatorText}
        </span>
        <label>
          {t('main.stateMenu')}{' '}
          <select
            data-testid="state-menu"
            value={kw?.presence?.availability ?? ''}
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v !== '') void act(() => api.setPresence(session.userName, v));
            }}
          >
            <option value="" disabled>
              —
            </option>
            {menuAvailabilities.map((a) => (
              <option value={a} key={a}>
                {t(`presence.${a}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label class="dnd">
          <input
            data-testid="dnd-toggle"
            type="checkbox"
            checked={kw?.connectorDnd ?? false}
            onChange={(e) => {
              const on = e.currentTarget.checked;
              void act(() => api.setConnectorDnd(session.userName, on));
            }}
          />{' '}
          {t('main.dnd')}
        </label>
        {session.options['redirect-setup-enabled'] === true && (
          <button data-testid="setup" type="button" onClick={() => setSetupOpen(!setupOpen)}>
            {t('main.setup')}
          </button>
        )}
        {session.options['enable-logout-menu'] === true && (
          <button data-testid="logout" type="button" onClick={() => void logout()}>
            {t('main.logout')}
          </button>
        )}
      </header>
      {error !== '' && (
        <p role="alert" class="error" data-testid="main-error">
          {error}
        </p>
      )}
      {setupOpen && <RedirectSetup language={props.language} userName={session.userName} />}
      <nav role="tablist">
        <button role="tab" data-testid="tab-interactions" aria-selected={tab === 'interactions'} onClick={() => setTab('interactions')}>
          {t('tabs.interactions')}
        </button>
        <button role="tab" data-testid="tab-channels" aria-selected={tab === 'channels'} onClick={() => setTab('channels')}>
          {t('tabs.channels')}
        </button>
      </nav>
      {tab === 'interactions' ? (
        <section data-testid="interaction-list" role="tabpanel">
          <p class="empty">{t('interactions.empty')}</p>
        </section>
      ) : (
        <section data-testid="channels-panel" role="tabpanel">
          <p>
            {t('channels.combined')}:{' '}
            <span data-testid="channels-indicator" data-indicator={combined} class={`badge ${combined}`}>
              {t(`channels.${combined}` as MessageKey)}
            </span>
          </p>
          <ul>
            {channels.map((c) => (
              <li key={c.dn} data-testid="channel">
                {c.dn}: {t(stateKey(kw))}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
