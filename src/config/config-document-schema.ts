/**
 * TypeBox schemas of a configuration YAML file as written by people: every object is closed
 * (unknown keys are errors, so typos never pass silently) except option sections, whose names and
 * values are open (option-table.ts checks the known ones).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { applicationTypes, dnTypes } from './config-objects.ts';

const closed = { additionalProperties: false } as const;

function oneOf<T extends readonly string[]>(values: T): TSchema {
  return Type.Union(values.map((v) => Type.Literal(v)), { description: `one of ${values.join(', ')}` });
}

const Name = Type.String({ minLength: 1, maxLength: 255, description: 'a non-empty string' });
/** DN numbers and login codes: YAML reads `1001` as a number, so accept either and keep the text. */
const Code = Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Integer({ minimum: 0 })], { description: 'a number or string' });

export const OptionValueSchema = Type.Union([Type.String({ maxLength: 65536 }), Type.Number(), Type.Boolean()], { description: 'a string, number or boolean' });
export const OptionSectionsSchema = Type.Record(Type.String(), Type.Record(Type.String(), OptionValueSchema, { description: 'a map of option: value' }), { description: 'a map of sections' });

const DnRefSchema = Type.Union([Code, Type.Object({ switch: Name, number: Code }, closed)], { description: 'a DN number or { switch, number }' });
const AgentLoginRefSchema = Type.Union([Code, Type.Object({ switch: Name, loginCode: Code }, closed)], { description: 'a login code or { switch, loginCode }' });

export const SwitchSchema = Type.Object({ name: Name, annex: Type.Optional(OptionSectionsSchema) }, closed);

export const DnSchema = Type.Object(
  {
    number: Code,
    type: oneOf(dnTypes),
    switch: Name,
    register: Type.Optional(Type.Boolean({ description: 'true or false' })),
    association: Type.Optional(Type.String()),
    annex: Type.Optional(OptionSectionsSchema),
  },
  closed,
);

export const PlaceSchema = Type.Object({ name: Name, dns: Type.Optional(Type.Array(DnRefSchema, { maxItems: 1000, description: 'a list' })) }, closed);

export const PersonSchema = Type.Object(
  {
    userName: Name,
    firstName: Type.Optional(Type.String()),
    lastName: Type.Optional(Type.String()),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    passwordHash: Type.Optional(Type.String()),
    agentLogins: Type.Optional(Type.Array(AgentLoginRefSchema, { maxItems: 100, description: 'a list' })),
    defaultPlace: Type.Optional(Name),
    annex: Type.Optional(OptionSectionsSchema),
  },
  closed,
);

export const AgentLoginSchema = Type.Object(
  {
    loginCode: Code,
    switch: Name,
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    passwordHash: Type.Optional(Type.String()),
    annex: Type.Optional(OptionSectionsSchema),
  },
  closed,
);

export const AgentGroupSchema = Type.Object(
  { name: Name, members: Type.Optional(Type.Array(Name, { maxItems: 100000, description: 'a list' })), annex: Type.Optional(OptionSectionsSchema) },
  closed,
);

export const ApplicationSchema = Type.Object(
  {
    name: Name, type: oneOf(applicationTypes), switch: Type.Optional(Name),
    /** The T-Lib client password (RequestRegisterClient); hashed at load like a Person's. */
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    passwordHash: Type.Optional(Type.String()),
    options: Type.Optional(OptionSectionsSchema),
  },
  closed,
);

export const StoreSettingsSchema = Type.Object(
  { type: oneOf(['sqlite', 'postgres'] as const), path: Type.Optional(Type.String({ minLength: 1 })), url: Type.Optional(Type.String({ minLength: 1 })), schema: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', description: 'a lower-case SQL identifier' })) },
  closed,
);

const Port = Type.Integer({ minimum: 0, maximum: 65535, description: 'a port number 0..65535 (0 picks a free one)' });

/** A SIP listener of the presence adapter. */
const SipUri = Type.String({ pattern: '^sips?:', description: 'a SIP URI' });

const SipListenSchema = Type.Object(
  {
    protocol: oneOf(['udp', 'tcp', 'tls'] as const),
    host: Type.Optional(Type.String({ minLength: 1 })),
    port: Port,
    // SO_RCVBUF: 64 KiB .. 256 MiB (Linux caps it at net.core.rmem_max).
    receiveBufferBytes: Type.Optional(Type.Integer({ minimum: 65_536, maximum: 268_435_456, description: 'bytes, 65536..268435456' })),
    // tcp and tls only: the bounds of inbound connections (src/sip/transport/connection-limits.ts).
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'connections, 1..1000000' })),
    maxConnectionsPerAddress: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'connections, 1..1000000' })),
    stallTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000, description: 'ms, 0..3600000 (0 never)' })),
  },
  closed,
);

const Seconds = Type.Integer({ minimum: 60, maximum: 86_400, description: 'seconds, 60..86400' });
const PemFile = Type.String({ minLength: 1, description: 'a PEM file path' });

/**
 * Where presence comes from; `sip` names the RFC presence server the sip-simple adapter uses,
 * `ms-pres` the Lync / SfB pool (the seed's `[Microsoft-OCS]` names `registrar-uri` and `contact`).
 */
export const PresenceSettingsSchema = Type.Object(
  {
    mode: oneOf(['standalone', 'sip', 'ms-pres'] as const),
    aor: Type.Optional(SipUri),
    proxy: Type.Optional(SipUri),
    listen: Type.Optional(Type.Array(SipListenSchema, { minItems: 1, maxItems: 8, description: 'a list of listeners' })),
    register: Type.Optional(Type.Boolean()),
    registrar: Type.Optional(SipUri),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String({ minLength: 1 })),
    'registrar-uri': Type.Optional(SipUri),
    contact: Type.Optional(SipUri),
    /** The trusted application's certificate, its key and the pool's CA bundle, for tls listeners. */
    tls: Type.Optional(Type.Object({ certFile: PemFile, keyFile: PemFile, caFile: Type.Optional(PemFile) }, closed)),
    registerExpires: Type.Optional(Seconds),
    subscribeExpires: Type.Optional(Seconds),
    maxBatchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'users per batch SUBSCRIBE, 1..1000' })),
  },
  closed,
);

/** Where `ucc start` listens. */
export const ListenSettingsSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1 })),
    tlib: Type.Optional(Port),
    http: Type.Optional(Port),
    /** Serve the web client and API over HTTPS with this certificate and key (PEM files). */
    tls: Type.Optional(Type.Object({ certFile: Type.String({ minLength: 1 }), keyFile: Type.String({ minLength: 1 }) }, closed)),
    /** Origins a browser may open the KW WebSocket from; default: the same origin as the Host. */
    allowedOrigins: Type.Optional(Type.Array(Type.String({ pattern: '^https?://[^/\\s]+/?$', maxLength: 255, description: 'an origin, http(s)://host[:port]' }), { maxItems: 32 })),
    /** Caps of the web listener (src/web/listener-limits.ts has the defaults). */
    httpLimits: Type.Optional(
      Type.Object(
        {
          maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'connections, 1..1000000' })),
          maxConnectionsPerAddress: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'connections, 1..1000000' })),
          maxWebSockets: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'WebSockets, 1..1000000' })),
          maxWebSocketsPerAddress: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'WebSockets, 1..1000000' })),
        },
        closed,
      ),
    ),
  },
  closed,
);

const list = <T extends TSchema>(s: T) => Type.Optional(Type.Array(s, { maxItems: 100000, description: 'a list' }));

/** One configuration file. */
export const ConfigDocumentSchema = Type.Object(
  {
    include: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100, description: 'a list of file names' })),
    store: Type.Optional(StoreSettingsSchema),
    presence: Type.Optional(PresenceSettingsSchema),
    listen: Type.Optional(ListenSettingsSchema),
    /** The SIP switch (docs/voice.md); src/config/voice-settings.ts validates it. */
    voice: Type.Optional(Type.Unknown()),
    switches: list(SwitchSchema),
    dns: list(DnSchema),
    places: list(PlaceSchema),
    persons: list(PersonSchema),
    agentLogins: list(AgentLoginSchema),
    agentGroups: list(AgentGroupSchema),
    applications: list(ApplicationSchema),
  },
  closed,
);

export type ConfigDocument = Static<typeof ConfigDocumentSchema>;
