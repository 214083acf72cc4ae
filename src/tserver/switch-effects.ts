/**
 * Runs the core's Switch commands: each `switch` effect is executed on the Switch where it stands
 * in the list, and every event the Switch returns at once is fed back into the core, whose own
 * effects take the command's place (nested, depth first). With the emulated switch, which answers
 * every command at once, a request's T-Library events therefore come out in one list, in the order
 * the seeds give. Events a Switch reports later go through {@link TServerCore.switchEvent} alone.
 */
import type { CoreEffect, TServerCore } from './tserver-core.ts';
import type { Switch, SwitchCommand, SwitchEvent } from './switch-port.ts';

/** The effects the shell executes itself. */
export type ShellEffect = Exclude<CoreEffect, { type: 'switch' }>;

/** Bounds a command -> event -> command chain; only a bug loops, and it must not hang the process. */
const MAX_DEPTH = 32;

/**
 * Expands the `switch` effects of `effects` (see the file comment). `onError` hears of a command the
 * Switch threw on (a bug in the Switch: the command is dropped, the rest goes on).
 */
export function expandSwitchEffects(core: TServerCore, sw: Switch, effects: readonly CoreEffect[], now: number, onError?: (command: SwitchCommand, error: unknown) => void): ShellEffect[] {
  if (!effects.some((e) => e.type === 'switch')) return effects as readonly ShellEffect[] as ShellEffect[];
  const out: ShellEffect[] = [];
  const expand = (list: readonly CoreEffect[], depth: number): void => {
    for (const e of list) {
      if (e.type !== 'switch') {
        out.push(e);
        continue;
      }
      if (depth >= MAX_DEPTH) throw new Error(`switch command loop: ${e.command.kind} at depth ${depth}`);
      let events: readonly SwitchEvent[];
      try {
        events = sw.execute(e.command);
      } catch (err) {
        onError?.(e.command, err);
        continue;
      }
      for (const event of events) expand(core.switchEvent(event, now), depth + 1);
    }
  };
  expand(effects, 0);
  return out;
}
