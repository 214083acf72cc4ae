/**
 * Two media behind one Switch port: voice legs go to the voice switch (emulated or SIP), chat
 * legs to the chat switch. The T-Server core sees one Switch; each command goes to the switch
 * that holds its leg (an `offer` by its media type, `accept` / `refuse` by the leg reference, the
 * rest by ConnID). Both report to the same listener.
 */
import type { Switch, SwitchCapabilities, SwitchCommand, SwitchEvent } from '../tserver/switch-port.ts';
import type { ChatSwitch } from './chat/chat-switch.ts';

export class MediaSwitch implements Switch {
  readonly name: string;
  readonly capabilities: SwitchCapabilities;

  constructor(readonly voice: Switch, readonly chat: ChatSwitch) {
    this.name = voice.name;
    this.capabilities = voice.capabilities;
  }

  canAnswer(dn: string): boolean {
    return this.voice.canAnswer?.(dn) ?? this.voice.capabilities.answer;
  }

  async start(listener: (event: SwitchEvent) => void): Promise<void> {
    await Promise.all([this.voice.start(listener), this.chat.start(listener)]);
  }

  execute(command: SwitchCommand): readonly SwitchEvent[] {
    return this.owner(command).execute(command);
  }

  private owner(c: SwitchCommand): Switch {
    switch (c.kind) {
      case 'offer':
        return c.mediaType === 'chat' ? this.chat : this.voice;
      case 'accept':
      case 'refuse':
        return this.chat.hasPending(c.legRef) ? this.chat : this.voice;
      default:
        return this.chat.holds(c.connId) ? this.chat : this.voice;
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.voice.stop(), this.chat.stop()]);
  }
}
