/** "Setup Redirect Number" (seed 000 4.17): the number previews may be accepted on, and whether it is used. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { translate, type MessageKey } from '../i18n/catalogues.ts';
import type { Language } from '../i18n/languages.ts';

export function RedirectSetup(props: { language: Language; userName: string }) {
  const t = (k: MessageKey) => translate(props.language, k);
  const [number, setNumber] = useState('');
  const [enabled, setEnabled] = useState(false);
  const [status, setStatus] = useState('');

  useEffect(() => {
    api.redirectNumber(props.userName).then(
      (r) => {
        setNumber(r.number);
        setEnabled(r.enabled);
      },
      () => setStatus(t('error.network')),
    );
  }, [props.userName]);

  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await api.setRedirectNumber(props.userName, { number, enabled });
      setStatus(t('redirect.saved'));
    } catch (x) {
      setStatus(x instanceof ApiError && x.status !== 0 ? x.message : t('error.network'));
    }
  };

  return (
    <form data-testid="redirect-setup" class="redirect-setup" onSubmit={save}>
      <h2>{t('redirect.title')}</h2>
      <label>
        {t('redirect.number')}
        <input data-testid="redirect-number" type="tel" maxLength={64} value={number} onInput={(e) => setNumber(e.currentTarget.value)} />
      </label>
      <label>
        <input data-testid="redirect-enabled" type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> {t('redirect.enabled')}
      </label>
      <button data-testid="redirect-save" type="submit">
        {t('redirect.save')}
      </button>
      {status !== '' && <p role="status">{status}</p>}
    </form>
  );
}
