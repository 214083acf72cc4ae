/**
 * The emulated Switch: no network and no media. Every command succeeds at once and its events come
 * back from {@link EmulatedSwitch.execute} (an offer rings, an answer answers, a hold holds), so the
 * T-Server behaves as the media-less T-Server it was: the desktop answers with RequestAnswerCall.
 * It keeps a record of the legs it was told about, for tests and diagnostics; the core decides
 * everything, so it never refuses a command.
 *
 * `inject()` plays the network's part (a customer call arriving, a far end hanging up): the event
 * goes to the listener given to `start()`, as a real Switch's would.
 */
import type { ConnId } from '../../tlib/index.ts';
import type { Switch, SwitchCapabilities, SwitchCommand, SwitchEvent } from '../../tserver/switch-port.ts';

export class EmulatedSwitch implements Switch {
  readonly name = 'emulated';
  readonly capabilities: SwitchCapabilities = { answer: true, hold: true, transfer: true, conference: true, media: false };
  private listener: ((event: SwitchEvent) => void) | undefined;
  /** DN names with a leg, by ConnID. */
  private readonly legs = new Map<ConnId, Set<string>>();

  async start(listener: (event: SwitchEvent) => void): Promise<void> {
    this.listener = listener;
  }

  execute(command: SwitchCommand): readonly SwitchEvent[] {
    switch (command.kind) {
      case 'accept':
        this.add(command.connId, command.dn);
        return [];
      case 'refuse':
        return [];
      case 'offer':
        this.add(command.connId, command.from);
        this.add(command.connId, command.dn);
        return [{ kind: 'ringing', connId: command.connId, dn: command.dn }];
      case 'answer':
        return [{ kind: 'answered', connId: command.connId, dn: command.dn }];
      case 'hold':
        return [{ kind: 'held', connId: command.connId, dn: command.dn }];
      case 'retrieve':
        return [{ kind: 'retrieved', connId: command.connId, dn: command.dn }];
      case 'release':
        this.remove(command.connId, command.dn);
        return [];
      case 'move':
        this.remove(command.connId, command.dn);
        this.add(command.toConnId, command.dn);
        return [];
      case 'end':
        this.legs.delete(command.connId);
        return [];
      case 'sendText':
      case 'collect':
        return []; // no media: IM treatments go nowhere

    }
  }

  /** Delivers a network event (an inbound call, a far-end release...) to the listener. */
  inject(event: SwitchEvent): void {
    this.listener?.(event);
  }

  /** The DNs with a leg on a call (names as the commands gave them). */
  legsOf(connId: ConnId): string[] {
    return [...(this.legs.get(connId) ?? [])];
  }

  /** Calls the switch still holds legs for. */
  get callCount(): number {
    return this.legs.size;
  }

  async stop(): Promise<void> {
    this.listener = undefined;
    this.legs.clear();
  }

  private add(connId: ConnId, dn: string): void {
    let s = this.legs.get(connId);
    if (!s) this.legs.set(connId, (s = new Set()));
    s.add(dn);
  }

  private remove(connId: ConnId, dn: string): void {
    const s = this.legs.get(connId);
    s?.delete(dn);
    if (s?.size === 0) this.legs.delete(connId);
  }
}
