/**
 * The main window: a header with the KW's name, the state indicator and the one state control
 * (state-control.tsx: Ready, connector DND, the standalone presence and the custom states in one
 * select, plus Back to Ready after an auto-state), Setup and Logout when the options allow; then
 * the Preview and Interaction windows and the Interactions / Channels tabs. The KW socket pushes
 * the KW view, previews and calls (no polling). A preview arriving in a hidden tab notifies and
 * flashes the title (attention/). Every value is rendered as text (no HTML injection).
 *
 * Layout: `.main-window` is a column of regions (header, windows, tabs); new panels (a chat
 * window) go in `.windows` beside the Preview and Interaction windows.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type ContactPoint, type KnowledgeWorker, type SessionInfo, type StateDisplay } from '../api.ts';
import { shouldPopup } from '../interactions/call-display.ts';
import { expire } from '../socket/kw-socket-state.ts';
import { useKwSocket } from '../socket/use-kw-socket.ts';
import { InteractionWindow } from './interaction-window.tsx';
import { PreviewClosedNotice, PreviewWindow } from './preview-window.tsx';
import { translate, type MessageKey } from '../i18n/catalogues.ts';
import type { Language } from '../i18n/languages.ts';
import { combinedIndicator } from '../state/channel-indicator.ts';
import { RedirectSetup } from './redirect-setup.tsx';
import { StateIcon } from './state-icon.tsx';
import { StateControl } from './state-control.tsx';
import type { StateChoice } from '../state/state-choice.ts';
import { askNotificationPermission, notificationPermission, usePreviewAttention } from '../attention/use-preview-attention.ts';
/** How long the "preview closed" message stays. */
const CLOSED_NOTICE_MS = 5000;

/** Texts of the predefined states (the custom ones bring their own, from the presence definition). */
const predefinedKeys: Record<string, MessageKey> = {
  predefReady: 'state.ready',
  predefNotReady: 'state.notReady',
  predefDND: 'state.dnd',
  predefLoggedOut: 'state.loggedOut',
  predefPartReady: 'state.partReady',
  predefOutOfService: 'state.outOfService',
};

/** The KW's name for the header: first and last name, else the user name. */
function kwName(s: SessionInfo): string {
  const name = [s.firstName, s.lastName].map((x) => x.trim()).filter((x) => x !== '').join(' ');
  return name === '' ? s.userName : name;
}

function stateKey(kw: KnowledgeWorker | null): MessageKey {
  if (kw === null || kw.agentState === 'LoggedOut') return 'state.loggedOut';
  if (kw.agentState === 'Ready') return 'state.ready';
  return kw.connectorDnd ? 'state.dnd' : 'state.notReady';
}

export function MainWindow(props: { language: Language; session: SessionInfo; onLogout: () => void }) {
  const { session } = props;
  const t = (k: MessageKey) => translate(props.language, k);
  const socket = useKwSocket(session.userName, props.onLogout);
  // The socket's pushed view wins; the REST view covers the start and the moments after an action.
  const [restKw, setRestKw] = useState<{ kw: KnowledgeWorker; at: number } | null>(null);
  const [pushedAt, setPushedAt] = useState(0);
  useEffect(() => setPushedAt(Date.now()), [socket.state.kw]);
  const kw: KnowledgeWorker | null = restKw !== null && (socket.state.kw === null || restKw.at > pushedAt) ? restKw.kw : socket.state.kw;
  const [display, setDisplay] = useState<StateDisplay | null>(null);
  const [contactPoints, setContactPoints] = useState<ContactPoint[]>([]);
  const [openCalls, setOpenCalls] = useState<readonly string[]>([]);
  const seenCalls = useRef(new Set<string>());
  const [tab, setTab] = useState<'interactions' | 'channels'>('interactions');
  const [error, setError] = useState('');
  const [setupOpen, setSetupOpen] = useState(false);
  const [standalone, setStandalone] = useState(true);
  const [notify, setNotify] = useState(notificationPermission());
  const attention = usePreviewAttention(socket.state.previews, {
    baseTitle: session.windowTitle,
    alert: t('notify.title'),
    body: (id) => {
      const p = socket.state.previews.find((x) => x.id === id);
      const fields = p ? Object.values(p.userData ?? {}).filter((v) => typeof v === 'string').slice(0, 3).join(' · ') : '';
      return fields === '' ? t('notify.preview') : `${t('notify.preview')}: ${fields}`;
    },
  });

  const refresh = async () => {
    try {
      setRestKw({ kw: await api.knowledgeWorker(session.userName), at: Date.now() });
      setDisplay(await api.stateDisplay(session.userName, props.language));
      setError('');
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) props.onLogout();
    }
  };

  useEffect(() => {
    document.title = session.windowTitle;
    api.contactPoints().then(setContactPoints, () => undefined);
    api.presence(session.userName).then(
      () => setStandalone(true),
      (x: unknown) => setStandalone(!(x instanceof ApiError && x.status === 409)),
    );
    void refresh();
  }, [session.userName]);

  // The indicator text follows the pushed view.
  useEffect(() => {
    if (socket.state.kw !== null) api.stateDisplay(session.userName, props.language).then(setDisplay, () => undefined);
  }, [socket.state.kw, props.language]);

  // Closed-preview messages fade; released calls close after itx-window-close-timeout.
  const closeTimeout = typeof session.options['itx-window-close-timeout'] === 'number' ? session.options['itx-window-close-timeout'] : 9000;
  useEffect(() => {
    const timer = window.setInterval(() => socket.update((s) => expire(s, Date.now(), CLOSED_NOTICE_MS, closeTimeout)), 500);
    return () => window.clearInterval(timer);
  }, [closeTimeout]);

  // A new call pops its window unless popup-udata-key suppresses it.
  const popupKey = typeof session.options['popup-udata-key'] === 'string' ? session.options['popup-udata-key'] : '';
  useEffect(() => {
    const fresh = socket.state.interactions.filter((i) => !seenCalls.current.has(i.connId));
    if (fresh.length === 0) return;
    for (const i of fresh) seenCalls.current.add(i.connId);
    // A call from a preview may ring before its preview-closed arrives: an open preview counts too.
    const fromPreview = (connId: string) => socket.state.previewConnIds.includes(connId) || socket.state.previews.some((p) => p.connId === connId);
    const pop = fresh.filter((i) => i.state !== 'released' && shouldPopup(i, popupKey, fromPreview(i.connId))).map((i) => i.connId);
    if (pop.length > 0) setOpenCalls((o) => [...o.filter((c) => !pop.includes(c)), ...pop]);
  }, [socket.state.interactions]);

  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      await refresh();
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) props.onLogout();
      else setError(x instanceof ApiError && x.status !== 0 ? x.message : t('error.network'));
    }
  };

  /** Applies a choice of the state control: each kind of state through its own route. */
  const choose = (c: StateChoice) =>
    act(async () => {
      if (c.kind === 'cc-unavailable') return api.setConnectorDnd(session.userName, true);
      if (c.kind === 'custom') return api.selectCustomState(session.userName, c.id);
      if (kw?.connectorDnd) await api.setConnectorDnd(session.userName, false);
      if (c.kind === 'presence') return api.setPresence(session.userName, c.availability);
      // Ready: out of an auto-state, and (standalone) available.
      if (kw?.autoState != null) await api.backToReady(session.userName);
      if (standalone && kw?.presence?.availability !== 'online') await api.setPresence(session.userName, 'online');
      return undefined;
    });

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
    <main class="main-window" data-attention={attention.flashing ? 'flashing' : 'none'}>
      <header class="topbar">
        <div class="who">
          <h1 data-testid="kw-name">{kwName(session)}</h1>
          <span data-testid="state-indicator" role="status" aria-live="polite" class={`indicator ${key.replace('state.', '')}`} data-state={kw?.agentState ?? 'LoggedOut'} data-display-state={shown?.id ?? ''}>
            <StateIcon src={shown?.icon ?? null} size={16} testid="state-icon" />
            {indicatorText}
          </span>
          {kw?.autoState != null && (
            <span class="auto-state" data-testid="auto-state">
              {t('main.autoState')}
            </span>
          )}
        </div>
        <StateControl language={props.language} kw={kw} display={display} standalone={standalone} onChoose={(c) => void choose(c)} onBackToReady={() => void act(() => api.backToReady(session.userName))} />
        <div class="actions">
          {notify === 'default' && (
            <button data-testid="notify-enable" type="button" onClick={() => void askNotificationPermission().then(setNotify)}>
              {t('main.notifyEnable')}
            </button>
          )}
          {session.options['redirect-setup-enabled'] === true && (
            <button data-testid="setup" type="button" aria-expanded={setupOpen} onClick={() => setSetupOpen(!setupOpen)}>
              {t('main.setup')}
            </button>
          )}
          {session.options['enable-logout-menu'] === true && (
            <button data-testid="logout" type="button" onClick={() => void logout()}>
              {t('main.logout')}
            </button>
          )}
        </div>
      </header>
      <span data-testid="socket-status" data-state={socket.status} class={`socket ${socket.status}`}>
        {t(`socket.${socket.status}` as MessageKey)}
      </span>
      <div class="windows">
      {socket.state.previews.map((p) => (
        <PreviewWindow key={p.id} language={props.language} options={session.options} preview={p} onAnswer={(type, id) => void socket.send({ type, id })} />
      ))}
      {socket.state.closedPreviews.map((c) => (
        <PreviewClosedNotice key={c.id} language={props.language} closed={c} />
      ))}
      {socket.state.interactions
        .filter((i) => openCalls.includes(i.connId))
        .map((i) => (
          <InteractionWindow
            key={i.connId}
            language={props.language}
            options={session.options}
            userName={session.userName}
            call={i}
            contactPoints={contactPoints}
            onClose={() => setOpenCalls((o) => o.filter((c) => c !== i.connId))}
            chat={socket.state.chats.find((c) => c.connId === i.connId)}
            onChatSend={(text) => socket.send({ type: 'chat-send', connId: i.connId, text })}
            onChatTyping={() => void socket.send({ type: 'chat-typing', connId: i.connId, on: true })}
          />
        ))}
      </div>
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
          {socket.state.interactions.length === 0 ? (
            <p class="empty">{t('interactions.empty')}</p>
          ) : (
            <ul>
              {socket.state.interactions.map((i) => (
                <li key={i.connId}>
                  <button type="button" data-testid="interaction-item" data-conn-id={i.connId} data-state={i.state} onClick={() => setOpenCalls((o) => (o.includes(i.connId) ? o : [...o, i.connId]))}>
                    {t(`itx.state.${i.state}` as MessageKey)}
                    {i.otherDn !== null ? ` — ${i.otherDn}` : ''}
                  </button>
                </li>
              ))}
            </ul>
          )}
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
                {/* The channel's badge shows only when the definition supplies one (seed 000 L1658-1659). */}
                <StateIcon src={shown?.badge ?? null} size={10} testid="channel-badge" />
                {c.dn}: {t(stateKey(kw))}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
