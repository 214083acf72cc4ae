/**
 * The chat switch: the Switch port (src/tserver/switch-port.ts) for chat calls. It owns the chat
 * sessions — one per ConnID, with a leg per DN (the customer on the Trunk DN, each KW on its DN) —
 * relays messages and typing between the legs, carries IM treatments (`sendText`, `collect`), and
 * writes every message and routing event to the transcript. The T-Server core decides everything
 * else, exactly as for voice: the routing point, the preview, transfers, releases.
 *
 * Customers come in through {@link ChatSwitch.openCustomer} (an `inbound` event); KW legs are
 * opened through the {@link ChatEndpointReach} on `offer`: reachable means ringing and answered at
 * once (the KW accepted the preview; a chat has no third-party answer), unreachable means `failed`
 * (`notFound`). docs/chat.md describes the legs, the ports and the messages.
 */
import type { Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/logger.ts';
import type { KvList } from '../../tlib/index.ts';
import type { Switch, SwitchCapabilities, SwitchCommand, SwitchEvent } from '../../tserver/switch-port.ts';
import type { ChatEndpoint, ChatEndpointReach, ChatEndReason, ChatLeg, ChatMessage, ChatSender, TranscriptSink } from './chat-endpoint.ts';
import { cleanChatText, MAX_CHAT_TEXT } from './chat-text.ts';

/** A customer chat coming in. */
export interface CustomerChatInfo {
  /** The routing point (or any callable DN) the chat is for: the DNIS. */
  readonly routingPoint: string;
  /** The Trunk DN chats arrive through. */
  readonly trunk: string;
  /** The customer's name or address: the ANI. */
  readonly from: string;
  readonly userData: KvList;
}

export interface ChatSwitchOptions {
  clock: Clock;
  logger?: Logger;
  /** Where KW legs go; can be set later ({@link ChatSwitch.setReach}). */
  reach?: ChatEndpointReach;
  transcript?: TranscriptSink;
  /** Most chats at once (default 10000); more customers are refused. */
  maxChats?: number;
  /** Messages kept in memory per chat for late joiners (default 1000); the transcript keeps all. */
  maxHistory?: number;
  /** Longest message in characters (default {@link MAX_CHAT_TEXT}). */
  maxText?: number;
}

interface LegRec {
  connId: string;
  dn: string;
  role: 'customer' | 'agent';
  name: string;
  endpoint: ChatEndpoint | undefined;
  open: boolean;
  /** Sees the treatment phase (pass-transcript-to-agent). */
  seesTreatment: boolean;
  handle: ChatLeg;
}

interface Session {
  connId: string;
  legs: Map<string, LegRec>;
  history: ChatMessage[];
  seq: number;
  /** DN keys whose next message is taken as collected digits. */
  collecting: Set<string>;
  agentJoined: boolean;
}

const key = (dn: string): string => dn.toLowerCase();

export class ChatSwitch implements Switch {
  readonly name = 'chat';
  readonly capabilities: SwitchCapabilities = { answer: false, hold: false, transfer: true, conference: false, media: false };
  private listener: ((e: SwitchEvent) => void) | undefined;
  private reach: ChatEndpointReach | undefined;
  private readonly pending = new Map<string, { leg: LegRec; info: CustomerChatInfo }>();
  private readonly sessions = new Map<string, Session>();
  private readonly logger: Logger;
  private nextRef = 1;

  constructor(private readonly o: ChatSwitchOptions) {
    this.reach = o.reach;
    this.logger = (o.logger ?? silentLogger).child({ switch: 'chat' });
  }

  setReach(reach: ChatEndpointReach): void {
    this.reach = reach;
  }

  setTranscript(sink: TranscriptSink): void {
    this.o.transcript = sink;
  }

  async start(listener: (e: SwitchEvent) => void): Promise<void> {
    this.listener = listener;
  }

  async stop(): Promise<void> {
    for (const s of [...this.sessions.values()]) this.endSession(s, 'ended');
    for (const p of this.pending.values()) p.leg.endpoint?.end('ended');
    this.pending.clear();
    this.listener = undefined;
  }

  /** Chats in progress. */
  get chatCount(): number {
    return this.sessions.size;
  }

  /** True when `connId` is a chat this switch holds. */
  holds(connId: string): boolean {
    return this.sessions.has(connId);
  }

  /** True when `legRef` names a customer chat waiting for the core's accept or refuse. */
  hasPending(legRef: string): boolean {
    return this.pending.has(legRef);
  }

  /**
   * A customer opens a chat with `info.routingPoint`. `endpoint` receives what the customer must
   * see; the returned leg is how the customer speaks. Refused (undefined) when the switch is full
   * or not started.
   */
  openCustomer(info: CustomerChatInfo, endpoint: (leg: ChatLeg) => ChatEndpoint): ChatLeg | undefined {
    if (!this.listener || this.sessions.size + this.pending.size >= (this.o.maxChats ?? 10_000)) return undefined;
    const legRef = `chat-${this.nextRef++}`;
    const leg = this.newLeg('', info.trunk, 'customer', info.from);
    leg.endpoint = endpoint(leg.handle);
    this.pending.set(legRef, { leg, info });
    this.listener({ kind: 'inbound', legRef, from: info.from, to: info.routingPoint, trunk: info.trunk, userData: info.userData, mediaType: 'chat' });
    return leg.handle;
  }

  execute(command: SwitchCommand): readonly SwitchEvent[] {
    switch (command.kind) {
      case 'accept': {
        const p = this.pending.get(command.legRef);
        if (!p) return [];
        this.pending.delete(command.legRef);
        const s = this.session(command.connId);
        p.leg.connId = command.connId;
        p.leg.dn = command.dn;
        s.legs.set(key(command.dn), p.leg);
        this.event(s, `arrived at ${p.info.routingPoint} from ${p.info.from}`);
        return [];
      }
      case 'refuse': {
        const p = this.pending.get(command.legRef);
        this.pending.delete(command.legRef);
        p?.leg.endpoint?.end('refused');
        return [];
      }
      case 'offer':
        return this.offer(command);
      case 'answer':
        return [{ kind: 'answered', connId: command.connId, dn: command.dn }];
      case 'hold':
      case 'retrieve':
        return [{ kind: 'failed', connId: command.connId, dn: command.dn, cause: 'rejected', detail: 'a chat cannot be held', of: command.kind }];
      case 'release': {
        const s = this.sessions.get(command.connId);
        const leg = s?.legs.get(key(command.dn));
        if (s && leg) this.removeLeg(s, leg, 'released');
        return [];
      }
      case 'move': {
        const from = this.sessions.get(command.connId);
        const leg = from?.legs.get(key(command.dn));
        if (!from || !leg) return [];
        from.legs.delete(key(command.dn));
        const to = this.session(command.toConnId);
        leg.connId = command.toConnId;
        to.legs.set(key(command.dn), leg);
        this.event(to, `${command.dn} joined from ${command.connId}`);
        return [];
      }
      case 'end': {
        const s = this.sessions.get(command.connId);
        if (s) this.endSession(s, 'ended');
        return [];
      }
      case 'sendText': {
        const s = this.sessions.get(command.connId);
        if (s) for (const text of command.texts) this.post(s, undefined, 'system', 'treatment', text);
        return [];
      }
      case 'collect': {
        const s = this.sessions.get(command.connId);
        if (s && command.on) s.collecting.add(key(command.dn));
        else s?.collecting.delete(key(command.dn));
        return [];
      }
    }
  }

  private offer(c: Extract<SwitchCommand, { kind: 'offer' }>): readonly SwitchEvent[] {
    if (c.mediaType !== 'chat') return [{ kind: 'failed', connId: c.connId, dn: c.dn, cause: 'rejected', detail: 'the chat switch carries chats only', of: 'offer' }];
    const s = this.session(c.connId);
    const consult = !s.legs.has(key(c.from)) && s.history.length === 0;
    // A chat between KWs (consultation, RequestMakeCall chat=true): the calling KW needs a leg too.
    if (consult && !this.openAgent(s, c.from, c.dn, c.userData, true, true)) {
      return [{ kind: 'failed', connId: c.connId, dn: c.dn, cause: 'error', detail: `${c.from} has no chat window`, of: 'offer' }];
    }
    if (!this.openAgent(s, c.dn, c.from, c.userData, consult, c.passTranscript ?? true)) {
      if (s.legs.size === 0) this.sessions.delete(c.connId);
      return [{ kind: 'failed', connId: c.connId, dn: c.dn, cause: 'notFound', detail: `${c.dn} cannot be reached for a chat`, of: 'offer' }];
    }
    return [{ kind: 'ringing', connId: c.connId, dn: c.dn }, { kind: 'answered', connId: c.connId, dn: c.dn }];
  }

  private openAgent(s: Session, dn: string, from: string, userData: KvList, consult: boolean, seesTreatment: boolean): boolean {
    const existing = s.legs.get(key(dn));
    if (existing) return true;
    const leg = this.newLeg(s.connId, dn, 'agent', dn);
    leg.seesTreatment = seesTreatment;
    const endpoint = this.reach?.open(leg.handle, { connId: s.connId, dn, from, userData, consult });
    if (!endpoint) return false;
    leg.endpoint = endpoint;
    s.legs.set(key(dn), leg);
    s.agentJoined = true;
    this.event(s, `joined ${dn}`);
    this.notice(s, leg, `${dn} joined the chat.`);
    return true;
  }

  private newLeg(connId: string, dn: string, role: LegRec['role'], name: string): LegRec {
    const leg: LegRec = { connId, dn, role, name, endpoint: undefined, open: true, seesTreatment: true, handle: undefined as unknown as ChatLeg };
    leg.handle = {
      get connId() {
        return leg.connId;
      },
      get dn() {
        return leg.dn;
      },
      send: (text) => this.fromLeg(leg, text),
      typing: (on) => this.typing(leg, on),
      leave: () => this.leave(leg),
      history: () => this.historyFor(leg),
    };
    return leg;
  }

  private session(connId: string): Session {
    let s = this.sessions.get(connId);
    if (!s) this.sessions.set(connId, (s = { connId, legs: new Map(), history: [], seq: 0, collecting: new Set(), agentJoined: false }));
    return s;
  }

  private fromLeg(leg: LegRec, raw: unknown): ReturnType<ChatLeg['send']> {
    const s = this.sessions.get(leg.connId);
    if (!s || !leg.open || s.legs.get(key(leg.dn)) !== leg) return { ok: false, code: 'not-in-chat', message: 'this chat is over' };
    const text = cleanChatText(raw, this.o.maxText ?? MAX_CHAT_TEXT);
    if (!text.ok) return { ok: false, code: text.error.code, message: text.error.message };
    const message = this.post(s, leg, leg.role, leg.name, text.value);
    if (s.collecting.delete(key(leg.dn))) this.listener?.({ kind: 'collected', connId: s.connId, dn: leg.dn, digits: text.value });
    return { ok: true, message };
  }

  /** Stores a message and delivers it to every open leg but its author. */
  private post(s: Session, author: LegRec | undefined, from: ChatSender, sender: string, text: string): ChatMessage {
    const message: ChatMessage = { connId: s.connId, seq: ++s.seq, from, sender, text, at: this.o.clock.now(), phase: s.agentJoined ? 'agent' : 'treatment' };
    s.history.push(message);
    if (s.history.length > (this.o.maxHistory ?? 1000)) s.history.shift();
    this.o.transcript?.append({ connId: s.connId, seq: message.seq, kind: 'message', from, sender, text, at: message.at });
    this.logger.debug('chat message', { connId: s.connId, from, sender, text });
    for (const leg of s.legs.values()) if (leg !== author && leg.open && (leg.seesTreatment || message.phase === 'agent')) leg.endpoint?.deliver(message);
    return message;
  }

  /** A system notice to the legs other than `about`. */
  private notice(s: Session, about: LegRec, text: string): void {
    const message: ChatMessage = { connId: s.connId, seq: ++s.seq, from: 'system', sender: 'system', text, at: this.o.clock.now(), phase: 'agent' };
    s.history.push(message);
    for (const leg of s.legs.values()) if (leg !== about && leg.open) leg.endpoint?.deliver(message);
  }

  /** A routing event in the transcript (not shown to the legs). */
  private event(s: Session, text: string): void {
    this.o.transcript?.append({ connId: s.connId, seq: ++s.seq, kind: 'event', from: 'system', sender: 'switch', text, at: this.o.clock.now() });
  }

  private typing(leg: LegRec, on: boolean): void {
    const s = this.sessions.get(leg.connId);
    if (!s || !leg.open) return;
    for (const other of s.legs.values()) if (other !== leg && other.open) other.endpoint?.typing(leg.role, on);
  }

  private historyFor(leg: LegRec): readonly ChatMessage[] {
    const s = this.sessions.get(leg.connId);
    if (!s) return [];
    return leg.seesTreatment ? s.history : s.history.filter((m) => m.phase === 'agent');
  }

  /** The owner of a leg leaves: before the accept the chat never starts; after, the core hears `released`. */
  private leave(leg: LegRec): void {
    for (const [ref, p] of this.pending) {
      if (p.leg === leg) {
        this.pending.delete(ref);
        return;
      }
    }
    const s = this.sessions.get(leg.connId);
    if (!s || s.legs.get(key(leg.dn)) !== leg) return;
    leg.open = false;
    s.legs.delete(key(leg.dn));
    this.event(s, `${leg.dn} left`);
    if (leg.role === 'agent') this.notice(s, leg, `${leg.dn} left the chat.`);
    this.listener?.({ kind: 'released', connId: s.connId, dn: leg.dn, cause: 'normal' });
  }

  private removeLeg(s: Session, leg: LegRec, reason: ChatEndReason): void {
    s.legs.delete(key(leg.dn));
    s.collecting.delete(key(leg.dn));
    if (!leg.open) return;
    leg.open = false;
    this.event(s, `released ${leg.dn}`);
    if (leg.role === 'agent' && s.legs.size > 0) this.notice(s, leg, `${leg.dn} left the chat.`);
    leg.endpoint?.end(reason);
  }

  private endSession(s: Session, reason: ChatEndReason): void {
    this.sessions.delete(s.connId);
    this.event(s, 'ended');
    for (const leg of s.legs.values()) {
      if (!leg.open) continue;
      leg.open = false;
      leg.endpoint?.end(reason);
    }
    s.legs.clear();
  }
}
