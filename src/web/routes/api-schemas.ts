/**
 * TypeBox schemas of the KW REST API bodies and replies. Fastify validates with them, and the
 * OpenAPI document at /api/docs is built from the same schemas.
 */
import { Type, type Static } from '@sinclair/typebox';
import { availabilities } from '../../presence/presence.ts';

export const ErrorReply = Type.Object({ error: Type.String() });

export const LoginBody = Type.Object(
  {
    userName: Type.String({ minLength: 1, maxLength: 256 }),
    password: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const PublicOptions = Type.Object({ 'help-login-url': Type.String(), locale: Type.String() });

export const SessionReply = Type.Object({
  userName: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  /** "<first> <last> - OpenUCC", or the user name when both are empty (seed 000 L415-422). */
  windowTitle: Type.String(),
  csrfToken: Type.String(),
  options: Type.Record(Type.String(), Type.Unknown()),
});

export const UserNameParams = Type.Object({ userName: Type.String({ minLength: 1, maxLength: 256 }) });
export type UserNameParams = Static<typeof UserNameParams>;

export const KnowledgeWorkerReply = Type.Object(
  {
    userName: Type.String(),
    dn: Type.String(),
    agentId: Type.String(),
    agentState: Type.Union([Type.Literal('LoggedOut'), Type.Literal('Ready'), Type.Literal('NotReady')]),
    workMode: Type.Union([Type.String(), Type.Null()]),
    reasons: Type.Record(Type.String(), Type.Unknown()),
    presence: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    connectorDnd: Type.Boolean(),
  },
  { additionalProperties: true },
);

export const PresenceBody = Type.Object(
  {
    availability: Type.Union(availabilities.map((a) => Type.Literal(a))),
    note: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type PresenceBody = Static<typeof PresenceBody>;

const PresenceJson = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);
export const StandalonePresenceReply = Type.Object({ own: PresenceJson, pushed: PresenceJson, effective: PresenceJson });

export const ConnectorDndBody = Type.Object({ on: Type.Boolean() }, { additionalProperties: false });
export type ConnectorDndBody = Static<typeof ConnectorDndBody>;
export const ConnectorDndReply = Type.Object({ connectorDnd: Type.Boolean() });
/** POST .../ready: the auto-state that was ended. */
export const ReadyReply = Type.Object({ ended: Type.Union([Type.Literal('preview-reject'), Type.Literal('preview-timeout'), Type.Literal('preview-redirect')]) });

/** A phone number as a user types it: digits, `+`, `*`, `#`, spaces, dashes, dots and brackets. Not validated further (seed 000 4.17). */
export const RedirectNumber = Type.Object(
  {
    number: Type.String({ maxLength: 64, pattern: '^[0-9+*#() .-]*$' }),
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type RedirectNumber = Static<typeof RedirectNumber>;

export const LanguageQuery = Type.Object({
  language: Type.Optional(Type.Union(['en', 'fr', 'de', 'it', 'ru', 'es'].map((l) => Type.Literal(l)))),
});
export type LanguageQuery = Static<typeof LanguageQuery>;

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
export const StateDisplayReply = Type.Object({
  /** What the status indicator shows: a custom state of the presence definition, or a predefined one. */
  state: Type.Object({
    kind: Type.Union([Type.Literal('custom'), Type.Literal('predefined')]),
    id: Type.String(),
    /** The custom state's statusText in the language (null: predefined, or none defined; the client uses its own text). */
    statusText: Nullable(Type.String()),
    icon: Nullable(Type.String()),
    badge: Nullable(Type.String()),
  }),
  /** The custom state menu in the language (document order). */
  menu: Type.Array(Type.Object({ id: Type.String(), menuText: Type.String(), icon: Nullable(Type.String()) })),
});

/** A custom state the KW selects from the state menu (a `<state id>` of the presence definition). */
export const CustomStateBody = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256, pattern: '^\\S+$' }) }, { additionalProperties: false });
export type CustomStateBody = Static<typeof CustomStateBody>;
/** The state selected and the agent-state request it makes (seed 000 4.12). */
export const CustomStateReply = Type.Object({
  id: Type.String(),
  ready: Type.Boolean(),
  workMode: Nullable(Type.String()),
  reasons: Type.Record(Type.String(), Type.String()),
  extensions: Type.Record(Type.String(), Type.String()),
});

export const ConnIdParams = Type.Object({
  userName: Type.String({ minLength: 1, maxLength: 256 }),
  connId: Type.String({ minLength: 1, maxLength: 64 }),
});
export type ConnIdParams = Static<typeof ConnIdParams>;

/** A KV list as JSON: `[key, value]` pairs, values strings, integers or nested lists. */
const KvListJson = Type.Array(Type.Array(Type.Unknown(), { minItems: 2, maxItems: 2 }));

export const InteractionReply = Type.Object({
  connId: Type.String(),
  state: Type.Union(['ringing', 'dialing', 'established', 'held', 'released'].map((s) => Type.Literal(s))),
  otherDn: Type.Union([Type.String(), Type.Null()]),
  parties: Type.Array(Type.String()),
  userData: KvListJson,
  callType: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.Number(),
  updatedAt: Type.Number(),
  actions: Type.Array(Type.String()),
});

/** A contact point to transfer or conference to. */
export const ContactPointBody = Type.Object({ contactPoint: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export type ContactPointBody = Static<typeof ContactPointBody>;

export const NotesBody = Type.Object({ notes: Type.String({ maxLength: 4096 }) }, { additionalProperties: false });
export type NotesBody = Static<typeof NotesBody>;

export const ActionReply = Type.Object({ ok: Type.Boolean(), consultConnId: Type.Optional(Type.String()) });

/** A T-Lib EventError as an HTTP 409 body. */
export const TlibErrorReply = Type.Object({ error: Type.String(), tlibErrorCode: Type.Union([Type.Number(), Type.Null()]) });

export const ContactPointReply = Type.Object({
  dn: Type.String(),
  displayName: Type.String(),
  /** `attribute<n>` lines with the statistic's value in place of `%s`. */
  tooltip: Type.Array(Type.String()),
});
