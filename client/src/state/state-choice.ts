/** The choices of the one state control (screens/state-control.tsx), as values of its select. Pure. */
import type { KnowledgeWorker, StateDisplay } from '../api.ts';

/** The standalone presence choices (the connector maps them to agent states). */
export const menuAvailabilities = ['online', 'busy', 'do-not-disturb', 'be-right-back', 'away', 'offline'] as const;

/** What a choice of the control means. */
export type StateChoice = { kind: 'ready' } | { kind: 'cc-unavailable' } | { kind: 'presence'; availability: string } | { kind: 'custom'; id: string };

/** Parses an option value of the control. */
export function parseStateChoice(value: string): StateChoice | undefined {
  if (value === 'ready') return { kind: 'ready' };
  if (value === 'cc-unavailable') return { kind: 'cc-unavailable' };
  if (value.startsWith('custom:')) return { kind: 'custom', id: value.slice('custom:'.length) };
  if ((menuAvailabilities as readonly string[]).includes(value)) return { kind: 'presence', availability: value };
  return undefined;
}

/**
 * The option value that stands for the KW's current state: connector DND; else a presence the KW
 * set other than Available (standalone), which explains the state; else the custom state of the
 * menu shown now; else the standalone presence; else Ready when Ready.
 */
export function currentStateValue(kw: KnowledgeWorker | null, display: StateDisplay | null, standalone: boolean): string {
  if (kw === null) return '';
  if (kw.connectorDnd) return 'cc-unavailable';
  const presence = standalone && kw.presence !== null && (menuAvailabilities as readonly string[]).includes(kw.presence.availability) ? kw.presence.availability : undefined;
  if (presence !== undefined && presence !== 'online') return presence;
  if (display?.state.kind === 'custom' && display.menu.some((m) => m.id === display.state.id)) return `custom:${display.state.id}`;
  if (presence !== undefined) return presence;
  return kw.agentState === 'Ready' ? 'ready' : '';
}
