/**
 * One client connection as the server sees it. The T-Server keeps its per-client state (registered
 * DNs, the agent logins it issued) keyed by `id`, and learns of the end through `onClose`.
 */
import type { TlibEvent } from '../messages/message-catalogue.ts';
import type { TlibPrincipal } from './tlib-auth.ts';

/** How the client reached the server. */
export type TlibTransportKind = 'tcp' | 'tls' | 'memory';

export interface TlibSession {
  /** Unique for the server's lifetime (`s1`, `s2`, ...). */
  readonly id: string;
  readonly transport: TlibTransportKind;
  /** `host:port` of the peer, or `memory`. */
  readonly remoteAddress: string;
  /** Clock time when the session opened. */
  readonly openedAt: number;
  /** The Application this session authenticated as; undefined until then. */
  readonly principal: TlibPrincipal | undefined;
  /** True once the connection has closed. */
  readonly closed: boolean;
  /** Sends one event to this client; false if the session is closed. */
  send(event: TlibEvent): boolean;
  /** Closes the connection (EventLinkDisconnected with `reason` is sent first). */
  close(reason: string): void;
  /** Calls `listener` once when the session closes (at once if it already has). Returns an unsubscribe. */
  onClose(listener: (reason: string) => void): () => void;
}
