/**
 * The Preview window (seed 000 4.6, 4.15-4.18): the configured UserData fields, notes and contact
 * when the options ask for them, a live countdown to the deadline, Accept / Reject (and "accept on
 * external number" when the preview offers it), the hotkeys, a looping sound and Help. Every value
 * from the call is rendered as a text node.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ClientOptions } from '../api.ts';
import { keyedFields, kvRecord, kvText } from '../interactions/call-display.ts';
import { translate, type MessageKey } from '../i18n/catalogues.ts';
import type { Language } from '../i18n/languages.ts';
import { secondsLeft } from '../preview/countdown.ts';
import { matchesShortkey, parseShortkey } from '../preview/shortkey.ts';
import { safeHelpUrl } from '../safe-url.ts';
import type { ClosedPreview, OpenPreview } from '../socket/kw-socket-state.ts';

type Answer = 'accept' | 'reject' | 'accept-external';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function PreviewWindow(props: { language: Language; options: ClientOptions; preview: OpenPreview; onAnswer: (type: Answer, id: string) => void }) {
  const { preview, options } = props;
  const t = (k: MessageKey, p?: Record<string, string | number>) => translate(props.language, k, p);
  const [now, setNow] = useState(Date.now());
  const [answered, setAnswered] = useState(false);

  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, [preview.id]);

  // Keyboard use: a preview that arrives while nothing has the focus takes it on Accept (Tab
  // reaches Reject); the KW typing elsewhere keeps the focus.
  const acceptRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (document.activeElement === null || document.activeElement === document.body) acceptRef.current?.focus();
  }, [preview.id]);

  const answer = (type: Answer) => {
    if (answered) return;
    setAnswered(true);
    props.onAnswer(type, preview.id);
  };

  // Hotkeys are read once per window (they take effect at restart, seed 000 §5).
  useEffect(() => {
    const accept = parseShortkey(options['preview-shortkey-accept']);
    const reject = parseShortkey(options['preview-shortkey-reject']);
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
      if (matchesShortkey(accept, e.key)) {
        e.preventDefault();
        answer('accept');
      } else if (matchesShortkey(reject, e.key)) {
        e.preventDefault();
        answer('reject');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [preview.id, answered]);

  const record = kvRecord(preview.userData);
  const fields = keyedFields(list(options['userdata-preview-format']), record);
  const noteKey = typeof options['userdata-note-key'] === 'string' ? options['userdata-note-key'] : '';
  const notes = options['userdata-note-onpreview'] === true && noteKey !== '' ? kvText(preview.userData, noteKey) : '';
  const contact = options['userdata-contact-onpreview'] === true ? keyedFields([options['userdata-contact-format']], record) : [];
  const help = safeHelpUrl(options['help-callcontrol-url']);
  const audio = safeHelpUrl(options['audio-on-preview']);
  const left = secondsLeft(preview.localDeadline, now);

  return (
    <section role="dialog" aria-modal="false" aria-labelledby={`preview-title-${preview.id}`} aria-describedby={`preview-countdown-${preview.id}`} class="preview-window" data-testid="preview-window" data-preview-id={preview.id} data-conn-id={preview.connId}>
      <h2 id={`preview-title-${preview.id}`}>{t('preview.title')}</h2>
      <dl>
        {fields.map((f, i) => (
          <div key={i} data-testid="preview-field" data-key={f.key}>
            <dt data-testid="preview-field-title">{f.title}</dt>
            <dd data-testid="preview-field-value">{f.value}</dd>
          </div>
        ))}
      </dl>
      {notes !== '' && (
        <p data-testid="preview-notes">
          <strong>{t('preview.notes')}: </strong>
          {notes}
        </p>
      )}
      {contact.length > 0 && (
        <p data-testid="preview-contact">
          {contact.map((c, i) => (
            <span key={i} data-testid="preview-contact-field">
              {c.title}: {c.value}
            </span>
          ))}
        </p>
      )}
      {/* A timer: screen readers do not announce every second (role timer is aria-live off); the dialog's description reads it. */}
      <p class="countdown" id={`preview-countdown-${preview.id}`} role="timer" aria-atomic="true" data-testid="preview-countdown" data-remaining-ms={Math.max(0, preview.localDeadline - now)}>
        {t('preview.countdown', { seconds: left })}
      </p>
      <div class="buttons">
        <button type="button" class="primary" data-testid="preview-accept" ref={acceptRef} disabled={answered} onClick={() => answer('accept')}>
          {t('preview.accept')}
        </button>
        <button type="button" data-testid="preview-reject" disabled={answered} onClick={() => answer('reject')}>
          {t('preview.reject')}
        </button>
        {preview.canRedirect && (
          <button type="button" data-testid="preview-accept-external" disabled={answered} onClick={() => answer('accept-external')}>
            {t('preview.acceptExternal')}
          </button>
        )}
        {help !== '' && (
          <button type="button" data-testid="preview-help" onClick={() => window.open(help, '_blank', 'noopener')}>
            {t('preview.help')}
          </button>
        )}
      </div>
      {audio !== '' && <audio data-testid="preview-audio" src={audio} autoplay loop />}
    </section>
  );
}

/** The short message after a preview ended, in the KW's language. */
export function PreviewClosedNotice(props: { language: Language; closed: ClosedPreview }) {
  return (
    <p role="status" class="preview-closed" data-testid="preview-closed" data-outcome={props.closed.outcome} data-preview-id={props.closed.id}>
      {translate(props.language, `preview.closed.${props.closed.outcome}` as MessageKey)}
    </p>
  );
}
