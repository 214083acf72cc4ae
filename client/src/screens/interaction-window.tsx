/**
 * The Interaction (call control) window (seed 000 4.8): case data from `userdata-call-format<n>`
 * under `userdata-title`, the contact, notes saved to the call under `userdata-note-key`, call
 * control (answer, hold, retrieve, release) and single-step transfer / two-step conference to a
 * contact point whose tooltip shows its `attribute<n>` statistics. While the call rings, the
 * `userdata-*-onringing` options decide what shows and `audio-on-ring` loops. All text nodes.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type ClientOptions, type ContactPoint } from '../api.ts';
import { keyedFields, kvRecord, kvText, visibleSections } from '../interactions/call-display.ts';
import { translate, type MessageKey } from '../i18n/catalogues.ts';
import type { Language } from '../i18n/languages.ts';
import { safeHelpUrl } from '../safe-url.ts';
import type { ChatView, InteractionView } from '../socket/kw-socket-state.ts';
import { ChatPane } from './chat-pane.tsx';

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' && v !== '' ? v : fallback);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function InteractionWindow(props: { language: Language; options: ClientOptions; userName: string; call: InteractionView; contactPoints: readonly ContactPoint[]; onClose: () => void; chat?: ChatView | undefined; onChatSend?: (text: string) => boolean; onChatTyping?: () => void }) {
  const { call, options } = props;
  const t = (k: MessageKey) => translate(props.language, k);
  const noteKey = str(options['userdata-note-key'], 'KW_ITX_NOTES');
  const [notes, setNotes] = useState(() => kvText(call.userData, noteKey));
  const [notesStatus, setNotesStatus] = useState<'' | 'saved' | 'error'>('');
  const [error, setError] = useState('');
  const [target, setTarget] = useState(props.contactPoints[0]?.dn ?? '');

  useEffect(() => {
    if (target === '' && props.contactPoints[0]) setTarget(props.contactPoints[0].dn);
  }, [props.contactPoints]);

  const run = async (f: () => Promise<unknown>) => {
    setError('');
    try {
      await f();
    } catch (x) {
      setError(x instanceof ApiError && x.status !== 0 ? x.message : t('error.network' as MessageKey));
    }
  };
  const saveNotes = async () => {
    try {
      await api.saveNotes(props.userName, call.connId, notes);
      setNotesStatus('saved');
    } catch (x) {
      setNotesStatus('error');
      setError(x instanceof ApiError && x.status !== 0 ? x.message : t('error.network' as MessageKey));
    }
  };

  const record = kvRecord(call.userData);
  const show = visibleSections(call.state, {
    userDataOnRinging: options['userdata-onringing'] === true,
    notesOnRinging: options['userdata-note-onringing'] === true,
    contactOnRinging: options['userdata-contact-onringing'] === true,
  });
  const caseData = keyedFields(list(options['userdata-call-format']), record);
  const contact = keyedFields([options['userdata-contact-format']], record);
  const can = (a: string) => call.actions.includes(a);
  const help = safeHelpUrl(options['help-interaction-url']) || safeHelpUrl(options['help-callcontrol-url']);
  const ringAudio = safeHelpUrl(options['audio-on-ring']);
  const selected = props.contactPoints.find((c) => c.dn === target);

  return (
    <section role="dialog" aria-modal="false" aria-label={t('itx.title')} class="interaction-window" data-testid="interaction-window" data-conn-id={call.connId} data-state={call.state}>
      <h2>
        {t('itx.title')} — <span data-testid="interaction-state">{t(`itx.state.${call.state}` as MessageKey)}</span>
      </h2>
      {call.otherDn !== null && (
        <p>
          {t('itx.from')}: {call.otherDn}
        </p>
      )}
      {show.caseData && caseData.length > 0 && (
        <div data-testid="case-data">
          <h3 data-testid="interaction-title">{str(options['userdata-title'], 'Case data')}</h3>
          <dl>
            {caseData.map((f, i) => (
              <div key={i} data-testid="case-data-field" data-key={f.key}>
                <dt data-testid="case-data-title">{f.title}</dt>
                <dd data-testid="case-data-value">{f.value}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      {show.contact && contact.length > 0 && (
        <p data-testid="interaction-contact">
          {contact.map((c, i) => (
            <span key={i} data-testid="contact-field">
              {c.title}: {c.value}
            </span>
          ))}
        </p>
      )}
      {props.chat && <ChatPane chat={props.chat} onSend={(text) => props.onChatSend?.(text) ?? false} onTyping={() => props.onChatTyping?.()} />}
      {show.notes && call.state !== 'released' && (
        <div class="notes">
          <label>
            {str(options['userdata-note-title'], t('preview.notes'))}
            <textarea data-testid="notes-input" maxLength={4096} value={notes} onInput={(e) => { setNotes(e.currentTarget.value); setNotesStatus(''); }} />
          </label>
          <button type="button" data-testid="notes-save" disabled={!can('notes')} onClick={() => void saveNotes()}>
            {t('itx.notesSave')}
          </button>
          {notesStatus === 'saved' && <span role="status" data-testid="notes-saved">{t('itx.notesSaved')}</span>}
          {notesStatus === 'error' && <span role="alert" data-testid="notes-error">{error}</span>}
        </div>
      )}
      <div class="buttons">
        {can('answer') && <button type="button" data-testid="call-answer" onClick={() => void run(() => api.callAction(props.userName, call.connId, 'answer'))}>{t('itx.answer')}</button>}
        {can('hold') && <button type="button" data-testid="call-hold" onClick={() => void run(() => api.callAction(props.userName, call.connId, 'hold'))}>{t('itx.hold')}</button>}
        {can('retrieve') && <button type="button" data-testid="call-retrieve" onClick={() => void run(() => api.callAction(props.userName, call.connId, 'retrieve'))}>{t('itx.retrieve')}</button>}
        {can('release') && <button type="button" data-testid="call-release" onClick={() => void run(() => api.callAction(props.userName, call.connId, 'release'))}>{t('itx.release')}</button>}
      </div>
      {(can('transfer') || can('conference')) && props.contactPoints.length > 0 && (
        <div class="contact-points">
          <label>
            {t('itx.contactPoint')}{' '}
            <select data-testid="contact-point-picker" value={target} title={selected?.tooltip.join('\n') ?? ''} onChange={(e) => setTarget(e.currentTarget.value)}>
              {props.contactPoints.map((c) => (
                <option key={c.dn} value={c.dn} data-testid="contact-point" title={c.tooltip.join('\n')}>
                  {c.displayName}
                </option>
              ))}
            </select>
          </label>
          <span class="tooltip" data-testid="contact-point-tooltip">{selected?.tooltip.join(' · ') ?? ''}</span>
          <button type="button" data-testid="call-transfer" disabled={target === '' || !can('transfer')} onClick={() => void run(() => api.transfer(props.userName, call.connId, target))}>
            {t('itx.transfer')}
          </button>
          <button type="button" data-testid="call-conference" disabled={target === '' || !can('conference')} onClick={() => void run(() => api.conference(props.userName, call.connId, target))}>
            {t('itx.conference')}
          </button>
        </div>
      )}
      {error !== '' && notesStatus !== 'error' && <p role="alert" class="error" data-testid="call-error">{error}</p>}
      <div class="buttons">
        {help !== '' && <button type="button" data-testid="interaction-help" onClick={() => window.open(help, '_blank', 'noopener')}>{t('itx.help')}</button>}
        <button type="button" data-testid="interaction-close" onClick={props.onClose}>{t('itx.close')}</button>
      </div>
      {call.state === 'ringing' && ringAudio !== '' && <audio data-testid="interaction-audio" src={ringAudio} autoplay loop />}
    </section>
  );
}
