/**
 * The combined indicator over a Place's channels (seed 000 L1622-1640): the common state when all
 * channels agree; else partial-ready (a channel is Ready), not-ready (a channel is logged in), or
 * logout. Pure, shared by the Channels tab and its tests.
 */
export type ChannelAgentState = 'Ready' | 'NotReady' | 'LoggedOut';
export type CombinedIndicator = 'ready' | 'partial-ready' | 'not-ready' | 'logout';

const single: Record<ChannelAgentState, CombinedIndicator> = { Ready: 'ready', NotReady: 'not-ready', LoggedOut: 'logout' };

export function combinedIndicator(states: readonly ChannelAgentState[]): CombinedIndicator {
  const first = states[0];
  if (first === undefined) return 'logout';
  if (states.every((s) => s === first)) return single[first];
  if (states.includes('Ready')) return 'partial-ready';
  if (states.includes('NotReady')) return 'not-ready';
  return 'logout';
}
