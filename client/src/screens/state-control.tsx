/**
 * The one state control of the main window. A single select holds every state the KW can choose:
 * - Contact center: Ready, and "Unavailable for contact-center work" (connector DND);
 * - Presence (standalone mode only): the availabilities the connector maps to agent states;
 * - the custom states of the presence definition's menu.
 * Its value is the state shown now. After an auto-state (a rejected, timed-out or redirected
 * preview) a "Back to Ready" button appears beside it, in every presence mode.
 */
import type { KnowledgeWorker, StateDisplay } from '../api.ts';
import { currentStateValue, menuAvailabilities, parseStateChoice, type StateChoice } from '../state/state-choice.ts';
import { translate, type MessageKey } from '../i18n/catalogues.ts';
import type { Language } from '../i18n/languages.ts';

export function StateControl(props: {
  language: Language;
  kw: KnowledgeWorker | null;
  display: StateDisplay | null;
  standalone: boolean;
  onChoose: (choice: StateChoice) => void;
  onBackToReady: () => void;
}) {
  const t = (k: MessageKey) => translate(props.language, k);
  const value = currentStateValue(props.kw, props.display, props.standalone);
  const menu = props.display?.menu ?? [];
  return (
    <div class="state-control" role="group" aria-labelledby="state-control-label">
      <label id="state-control-label" for="state-menu">
        {t('main.stateMenu')}
      </label>
      <select
        id="state-menu"
        data-testid="state-menu"
        value={value}
        onChange={(e) => {
          const choice = parseStateChoice(e.currentTarget.value);
          if (choice) props.onChoose(choice);
        }}
      >
        <option value="" disabled>
          —
        </option>
        <optgroup label={t('main.ccGroup')}>
          <option value="ready">{t('state.ready')}</option>
          <option value="cc-unavailable" data-testid="dnd-option">
            {t('main.dnd')}
          </option>
        </optgroup>
        {props.standalone && (
          <optgroup label={t('main.presenceGroup')}>
            {menuAvailabilities.map((a) => (
              <option value={a} key={a}>
                {t(`presence.${a}` as MessageKey)}
              </option>
            ))}
          </optgroup>
        )}
        {menu.length > 0 && (
          // The presence definition's menu (seed 000 4.12): its texts in the KW's language.
          <optgroup label={t('main.customStates')} data-testid="custom-state-menu">
            {menu.map((m) => (
              <option key={m.id} value={`custom:${m.id}`} data-testid="custom-state-option" data-state-id={m.id} data-icon={m.icon ?? ''}>
                {m.menuText}
              </option>
            ))}
          </optgroup>
        )}
      </select>
      {props.kw?.autoState != null && (
        <button type="button" class="primary" data-testid="ready-button" data-auto-state={props.kw.autoState} onClick={props.onBackToReady}>
          {t('main.backToReady')}
        </button>
      )}
    </div>
  );
}
