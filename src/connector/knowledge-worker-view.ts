/**
 * The REST view of one knowledge worker: the body of `GET /api/v1/knowledge-workers/{userName}`
 * (ARCHITECTURE.md external contracts). Plain JSON; times are ISO 8601 strings.
 */
import type { Availability, PresenceSource } from '../presence/presence.ts';
import type { KvValue } from '../lib/kv-list.ts';
import { kvToObject } from '../lib/kv-list.ts';
import type { AutoStateKind, KwRegistration, KwState } from './kw-state.ts';

/** The presence part of the view. */
export interface KnowledgeWorkerPresenceView {
  availability: Availability;
  availabilityCode: number | null;
  /** Activity token, else its text, else null. */
  activity: string | null;
  note: string | null;
  source: PresenceSource;
  observedAt: string;
  /** Milliseconds since observedAt, when the caller passed `now`. */
  ageMs?: number;
}

/** The JSON shape of `GET /api/v1/knowledge-workers/{userName}`. */
export interface KnowledgeWorkerView {
  userName: string;
  dn: string;
  agentId: string;
  /** As the T-Server last confirmed it (`LoggedOut` until it said otherwise). */
  agentState: 'LoggedOut' | 'Ready' | 'NotReady';
  workMode: string | null;
  reasons: Record<string, KvValue | Record<string, unknown>>;
  presence: KnowledgeWorkerPresenceView | null;
  connectorDnd: boolean;
  autoState: AutoStateKind | null;
  registration: KwRegistration;
  monitoring: boolean;
  sessions: number;
  afterCallWork: 'none' | 'acw' | 'legal-guard';
  onCall: boolean;
  /** What the connector publishes on the KW's behalf (null: nothing). */
  published: { availabilityCode: number; note: string | null; reason: string } | null;
  staleDropped: number;
}

/** Builds the view; pass `now` (Clock.now()) to get the presence age. */
export function toKnowledgeWorkerView(s: KwState, now?: number): KnowledgeWorkerView {
  const p = s.presence;
  return {
    userName: s.userName,
    dn: s.dn,
    agentId: s.agentId,
    agentState: s.confirmed.state === 'Unknown' ? 'LoggedOut' : s.confirmed.state,
    workMode: s.confirmed.workMode,
    reasons: { ...kvToObject(s.confirmed.reasons) },
    presence: p
      ? {
          availability: p.availability,
          availabilityCode: p.availabilityCode,
          activity: p.activity?.token ?? p.activity?.text ?? null,
          note: p.note?.text ?? null,
          source: p.source,
          observedAt: new Date(p.observedAt).toISOString(),
          ...(now !== undefined ? { ageMs: Math.max(0, now - p.observedAt) } : {}),
        }
      : null,
    connectorDnd: s.connectorDnd,
    autoState: s.autoState,
    registration: s.registration,
    monitoring: s.monitoring,
    sessions: s.sessions,
    afterCallWork: s.acw,
    onCall: s.calls.length > 0,
    published: s.published ? { availabilityCode: s.published.code, note: s.published.note, reason: s.published.reason } : null,
    staleDropped: s.staleDropped,
  };
}
