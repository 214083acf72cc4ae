/**
 * The preview protocol: the seeds' Custom Server interface between routing (URS) and the UC
 * Connector (seed-000 digest section 8.1, Table 30). It is the contract between `router/` and
 * `connector/`; both import these types. The wire is the T-Lib framing (4-byte big-endian length +
 * UTF-8 JSON, ARCHITECTURE.md "External contracts") with its own catalogue; docs/protocols/preview.md
 * is the reference.
 *
 * Field names are the seed's (`agent`, `connId`, `dn`, `mediaType`, `switch`, `userData`,
 * `targets`). The seed does not document the replies ("figures 56-57 only"), so
 * `PreviewInteractionResult` is ours, with the seed's outcome words.
 */
import type { KvList } from '../lib/kv-list.ts';

/** The outcomes a preview can end with (issue 5); each preview resolves exactly once. */
export type PreviewOutcome = 'accepted' | 'rejected' | 'timeout' | 'taken' | 'cancelled' | 'error' | 'redirected';

/** Router → connector: offer one interaction to one KW. */
export interface PreviewInteractionRequest {
  message: 'PreviewInteractionRequest';
  /** Correlates the result; unique per sender connection. */
  ReferenceID: number;
  /** The KW offered: its agent login id (AgentID) or Person user name. */
  agent: string;
  connId: string;
  /** The routing point (or queue) where the interaction waits. */
  dn: string;
  mediaType: string;
  switch: string;
  userData: KvList;
  /** Countdown override in ms; default `preview-expiration-timeout` of the KW. */
  timeout?: number;
  /**
   * (OpenUCC extension) The fencing token of the router's reservation of this KW. The connector
   * passes it to the atomic winner decision and echoes it in the accepted result.
   */
  fence?: number;
}

/** Router → connector: offer one interaction to several KWs; the first to accept wins. */
export interface PreviewInteractionMultiple {
  message: 'PreviewInteractionMultiple';
  ReferenceID: number;
  connId: string;
  dn: string;
  mediaType: string;
  switch: string;
  userData: KvList;
  /** Agents separated by `^` (the seed replaces the default `|` delimiter with `^`). */
  targets: string;
  timeout?: number;
  /** (OpenUCC extension) Fencing tokens of the reservations, `^`-separated, one per target in order. */
  fences?: string;
}

/** Router → connector: the interaction went away (caller abandoned, routed elsewhere). */
export interface PreviewInteractionCancel {
  message: 'PreviewInteractionCancel';
  ReferenceID: number;
  connId: string;
  /** Why, for the KW's window and the ledger (e.g. `abandoned`, `router-timeout`). */
  reason?: string;
}

/**
 * Connector → router: the final outcome of a request (one per ReferenceID, exactly once).
 * For a PreviewInteractionMultiple it is `accepted` with the winner, or the outcome that ended
 * the last open offer (`rejected`, `timeout`, `error`...) when nobody accepted.
 */
export interface PreviewInteractionResult {
  message: 'PreviewInteractionResult';
  ReferenceID: number;
  connId: string;
  result: PreviewOutcome;
  /** The KW who decided (the winner on accept). */
  agent?: string;
  /** Where to route on accept: the KW's DN; on `redirected`, the KW's redirect number. */
  dn?: string;
  /** Fencing token of the reservation that the accept was made under. */
  fence?: number;
  reason?: string;
}

/**
 * Router → connector, first on a TCP/TLS connection (docs/protocols/preview.md section 1.1): the
 * router authenticates as a configured Application. Nothing else is accepted before it.
 */
export interface PreviewRegisterClient {
  message: 'PreviewRegisterClient';
  ReferenceID: number;
  ApplicationName: string;
  /** Never logged or echoed. Absent only to confirm a link that is already authenticated (in-process). */
  ApplicationPassword?: string;
}

/** Connector → router: the PreviewRegisterClient with this ReferenceID succeeded. */
export interface PreviewClientRegistered {
  message: 'PreviewClientRegistered';
  ReferenceID: number;
  ApplicationName: string;
}

/** The requests the preview manager acts on. */
export type PreviewRequest = PreviewInteractionRequest | PreviewInteractionMultiple | PreviewInteractionCancel;
export type PreviewMessage = PreviewRequest | PreviewRegisterClient | PreviewInteractionResult | PreviewClientRegistered;
