/**
 * A Switch for tests: it records every command and answers as the emulated switch does, unless a
 * script says otherwise for a command (fail it, answer nothing now and report later through the
 * listener, as a SIP switch would).
 */
import { EmulatedSwitch } from '../../../src/switch/emulated/emulated-switch.ts';
import type { Switch, SwitchCommand, SwitchEvent } from '../../../src/tserver/switch-port.ts';

/** Returns the events to give back at once, or undefined to behave as the emulated switch. */
export type Script = (command: SwitchCommand) => readonly SwitchEvent[] | undefined;

export class ScriptedSwitch implements Switch {
  readonly name = 'scripted';
  readonly capabilities = { answer: true, hold: true, transfer: true, conference: true, media: false };
  readonly commands: SwitchCommand[] = [];
  private readonly emulated = new EmulatedSwitch();
  private listener: ((e: SwitchEvent) => void) | undefined;

  constructor(public script: Script = () => undefined) {}

  async start(listener: (e: SwitchEvent) => void): Promise<void> {
    this.listener = listener;
  }

  execute(command: SwitchCommand): readonly SwitchEvent[] {
    this.commands.push(command);
    return this.script(command) ?? this.emulated.execute(command);
  }

  /** Reports an event later, as a network switch does. */
  report(event: SwitchEvent): void {
    this.listener?.(event);
  }

  /** The commands of one kind, oldest first. */
  sent<K extends SwitchCommand['kind']>(kind: K): Array<Extract<SwitchCommand, { kind: K }>> {
    return this.commands.filter((c): c is Extract<SwitchCommand, { kind: K }> => c.kind === kind);
  }

  async stop(): Promise<void> {
    this.listener = undefined;
  }
}
