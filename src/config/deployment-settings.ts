/**
 * The deployment settings of the top-level configuration file: where the store lives (`store`),
 * where presence comes from (`presence`) and what `ucc start` listens on (`listen`). Relative
 * certificate paths resolve against the configuration file.
 */
import { dirname, resolve } from 'node:path';
import type { ConfigDocument } from './config-document-schema.ts';
import { type ConfigIssue, formatPath } from './config-issue.ts';
import { type FileCtx, type IssueList, type Seg, lineOf } from './config-location.ts';
import { parseVoiceConfig, type VoiceConfig } from './voice-settings.ts';
import { processDescriptorLimit } from '../lib/connection-admission.ts';

/**
 * Where the store lives. A relative SQLite path is relative to the working directory (its folder
 * is created when missing); `:memory:` keeps nothing after the process ends.
 */
export type StoreSettings = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string; schema?: string };

/**
 * The bounds of a SIP tcp or tls listener (docs/configuration.md, "SIP listener limits"); absent:
 * the SIP transport's defaults (a quarter of `ulimit -n`, at most 10 000; a quarter of that per
 * address; 30 000 ms).
 */
export interface SipStreamLimits {
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  /** A connection stalled inside a message this long is closed; 0 never. */
  stallTimeoutMs?: number;
}

/** The option names of {@link SipStreamLimits}, as written in a listener entry. */
export const sipStreamLimitKeys = ['maxConnections', 'maxConnectionsPerAddress', 'stallTimeoutMs'] as const;

/** A SIP listener of a presence adapter; `receiveBufferBytes` (SO_RCVBUF) only on udp listeners, the limits only on tcp and tls. */
export interface PresenceListen extends SipStreamLimits {
  protocol: 'udp' | 'tcp' | 'tls';
  host: string;
  port: number;
  receiveBufferBytes?: number;
}

/**
 * Where presence comes from: the web client (`standalone`), an RFC presence server (`sip`), or a
 * Lync / Skype for Business pool as a trusted application (`ms-pres`).
 */
export type PresenceSettings =
  | { mode: 'standalone' }
  | {
      mode: 'sip';
      /** The connector's own address of record (From of SUBSCRIBE and PUBLISH). */
      aor: string;
      /** The presence server every request goes through. */
      proxy: string;
      listen: PresenceListen[];
      register: boolean;
      registrar?: string;
      credentials?: { username: string; password: string };
    }
  | MsPresSettings;

/** `mode: ms-pres`; the first two are the seed's `[Microsoft-OCS]` `registrar-uri` and `contact`. */
export interface MsPresSettings {
  mode: 'ms-pres';
  /** The pool every request is routed to. */
  registrarUri: string;
  /** The connector's own principal (the trusted application's URI). */
  contact: string;
  listen: PresenceListen[];
  /** PEM paths, resolved against the configuration file; the certificate of every tls listener. */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  registerExpires?: number;
  subscribeExpires?: number;
  maxBatchSize?: number;
}

export interface DeploymentSettings {
  store: StoreSettings;
  presence: PresenceSettings;
  /** Listen addresses of `ucc start` (loopback, T-Lib 7000 and HTTP 8080 by default). */
  listen: ListenSettings;
  /** The SIP switch (docs/voice.md); absent: the T-Server runs the emulated switch. */
  voice?: VoiceConfig;
}

/** `listen.httpLimits`: caps of the web listener (absent keys: the defaults of src/web/listener-limits.ts). */
export interface HttpLimitSettings {
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  maxWebSockets?: number;
  maxWebSocketsPerAddress?: number;
}

export interface ListenSettings {
  host: string;
  tlib: number;
  http: number;
  /** HTTPS for the web edge: PEM file paths, relative ones resolved against the configuration file. */
  tls?: { certFile: string; keyFile: string };
  /** Origins the KW WebSocket may be opened from (`https://ucc.example.test`); default: the Host's own. */
  allowedOrigins?: string[];
  /** Caps of the web listener; absent keys: defaultHttpLimits() (src/web/listener-limits.ts). */
  httpLimits?: HttpLimitSettings;
}

export const DEFAULT_LISTEN: Readonly<ListenSettings> = { host: '127.0.0.1', tlib: 7000, http: 8080 };

/** The settings of a file that has no `store`, `presence` or `listen`. */
export function defaultSettings(): DeploymentSettings {
  return { store: { type: 'sqlite', path: ':memory:' }, presence: { mode: 'standalone' }, listen: { ...DEFAULT_LISTEN } };
}

/** Where a setting is written: what a message about it names (`file:line: store.path: ...`). */
export type SettingLocation = Pick<ConfigIssue, 'file' | 'line' | 'path'>;

/**
 * Reads `store`, `presence` and `listen` over the defaults; problems go to `issues`. `storeAt` is
 * where the store's file or server is written, for the errors met later when the store opens.
 */
export function takeSettings(ctx: FileCtx, d: ConfigDocument, issues: IssueList): { settings: DeploymentSettings; storeAt?: SettingLocation } {
  const settings = defaultSettings();
  let storeAt: SettingLocation | undefined;
  if (d.store) {
    const s = d.store;
    const option: Seg[] = s.type === 'postgres' ? ['store', 'url'] : s.path !== undefined ? ['store', 'path'] : ['store'];
    storeAt = { file: ctx.file, line: lineOf(ctx, option), path: formatPath(option) };
    if (s.type === 'postgres') {
      if (!s.url) issues.error(ctx, ['store'], 'a postgres store needs url');
      else settings.store = s.schema ? { type: 'postgres', url: s.url, schema: s.schema } : { type: 'postgres', url: s.url };
      if (s.path) issues.error(ctx, ['store', 'path'], 'path is for sqlite stores');
    } else {
      settings.store = { type: 'sqlite', path: s.path ?? ':memory:' };
      if (s.url) issues.error(ctx, ['store', 'url'], 'url is for postgres stores');
      if (s.schema) issues.error(ctx, ['store', 'schema'], 'schema is for postgres stores');
    }
  }
  if (d.presence) takePresence(ctx, d.presence, issues, settings);
  if (d.voice !== undefined) {
    const voice = parseVoiceConfig(d.voice, (path) => ({ file: ctx.file, line: lineOf(ctx, [...path]) }), { baseDir: dirname(ctx.file) });
    issues.issues.push(...voice.issues);
    if (voice.config) settings.voice = voice.config;
  }
  if (d.listen) {
    const { tls, httpLimits, ...ports } = d.listen;
    settings.listen = { ...settings.listen, ...ports };
    if (httpLimits) settings.listen.httpLimits = takeHttpLimits(ctx, httpLimits, issues);
    if (tls) settings.listen.tls = { certFile: resolve(dirname(ctx.file), tls.certFile), keyFile: resolve(dirname(ctx.file), tls.keyFile) };
  }
  return storeAt ? { settings, storeAt } : { settings };
}

/** `listen.httpLimits`: a per-address cap above its total, or WebSockets above connections, is an error. */
function takeHttpLimits(ctx: FileCtx, h: HttpLimitSettings, issues: IssueList): HttpLimitSettings {
  const at = (key: keyof HttpLimitSettings): Seg[] => ['listen', 'httpLimits', key];
  const pairs: Array<[keyof HttpLimitSettings, keyof HttpLimitSettings]> = [['maxConnectionsPerAddress', 'maxConnections'], ['maxWebSocketsPerAddress', 'maxWebSockets'], ['maxWebSockets', 'maxConnections']];
  for (const [small, big] of pairs) {
    const a = h[small];
    const b = h[big];
    if (a !== undefined && b !== undefined && a > b) issues.error(ctx, at(small), `must not exceed ${big} (${b})`);
  }
  // A cap over the descriptor limit is never reached: the process runs out of descriptors first.
  const nofile = processDescriptorLimit();
  if (h.maxConnections !== undefined && h.maxConnections > nofile) issues.warn(ctx, at('maxConnections'), `is above this process's descriptor limit (ulimit -n ${nofile}): raise the limit or lower the cap`);
  return { ...h };
}

function takePresence(ctx: FileCtx, p: NonNullable<ConfigDocument['presence']>, issues: IssueList, settings: DeploymentSettings): void {
  // Keys of another mode are errors: a setting that would silently do nothing is a typo.
  const onlyFor = (keys: readonly (keyof typeof p)[], what: string): void => {
    for (const key of keys) if (p[key] !== undefined) issues.error(ctx, ['presence', key], `only for ${what}`);
  };
  if (p.mode !== 'sip') onlyFor(sipOnlyKeys, 'mode sip');
  if (p.mode !== 'ms-pres') onlyFor(msPresOnlyKeys, 'mode ms-pres');
  if (p.mode === 'standalone') {
    onlyFor(['listen'], 'modes sip and ms-pres');
    settings.presence = { mode: 'standalone' };
    return;
  }
  p.listen?.forEach((l, i) => {
    if (l.receiveBufferBytes !== undefined && l.protocol !== 'udp') issues.error(ctx, ['presence', 'listen', i, 'receiveBufferBytes'], 'only for protocol udp');
    for (const key of sipStreamLimitKeys) if (l[key] !== undefined && l.protocol === 'udp') issues.error(ctx, ['presence', 'listen', i, key], 'only for protocols tcp and tls');
    if (l.maxConnections !== undefined && l.maxConnectionsPerAddress !== undefined && l.maxConnectionsPerAddress > l.maxConnections) {
      issues.error(ctx, ['presence', 'listen', i, 'maxConnectionsPerAddress'], `must not exceed maxConnections (${l.maxConnections})`);
    }
  });
  if (p.mode === 'ms-pres') return takeMsPres(ctx, p, issues, settings);
  if (!p.aor) issues.error(ctx, ['presence'], 'mode sip needs aor (the connector\'s SIP address)');
  if (!p.proxy) issues.error(ctx, ['presence'], 'mode sip needs proxy (the presence server)');
  if ((p.username === undefined) !== (p.password === undefined)) issues.error(ctx, ['presence'], 'username and password go together');
  if (!p.aor || !p.proxy) return;
  settings.presence = {
    mode: 'sip',
    aor: p.aor,
    proxy: p.proxy,
    listen: presenceListen(p.listen, { protocol: 'udp', host: '127.0.0.1', port: 5070 }),
    register: p.register ?? false,
    ...(p.registrar ? { registrar: p.registrar } : {}),
    ...(p.username && p.password ? { credentials: { username: p.username, password: p.password } } : {}),
  };
}

/** A trusted application over mutual TLS by default (listener tls:5061), or plain udp/tcp listeners. */
function takeMsPres(ctx: FileCtx, p: NonNullable<ConfigDocument['presence']>, issues: IssueList, settings: DeploymentSettings): void {
  const registrarUri = p['registrar-uri'];
  if (!registrarUri) issues.error(ctx, ['presence'], "mode ms-pres needs registrar-uri (the pool's SIP URI)");
  if (!p.contact) issues.error(ctx, ['presence'], "mode ms-pres needs contact (the connector's own SIP URI)");
  const listen = presenceListen(p.listen, { protocol: 'tls', host: '127.0.0.1', port: 5061 });
  const hasTls = listen.some((l) => l.protocol === 'tls');
  if (hasTls && !p.tls) {
    const i = p.listen ? listen.findIndex((l) => l.protocol === 'tls') : -1;
    issues.error(ctx, i >= 0 ? ['presence', 'listen', i] : ['presence'], 'a tls listener needs presence.tls (certFile and keyFile: the trusted application\'s certificate)');
  }
  if (!hasTls && p.tls) issues.error(ctx, ['presence', 'tls'], 'only for a tls listener');
  // The stack sends each request over a listener of the Request-URI's transport (sips: is tls).
  const transport = registrarUri ? uriTransport(registrarUri) : undefined;
  if (transport && !listen.some((l) => l.protocol === transport)) {
    issues.error(ctx, ['presence', 'registrar-uri'], `uses transport ${transport} but no presence.listen entry has protocol ${transport}`);
  }
  if (!registrarUri || !p.contact) return;
  const base = dirname(ctx.file);
  settings.presence = {
    mode: 'ms-pres',
    registrarUri,
    contact: p.contact,
    listen,
    ...(p.tls && hasTls
      ? { tls: { certFile: resolve(base, p.tls.certFile), keyFile: resolve(base, p.tls.keyFile), ...(p.tls.caFile ? { caFile: resolve(base, p.tls.caFile) } : {}) } }
      : {}),
    ...(p.registerExpires !== undefined ? { registerExpires: p.registerExpires } : {}),
    ...(p.subscribeExpires !== undefined ? { subscribeExpires: p.subscribeExpires } : {}),
    ...(p.maxBatchSize !== undefined ? { maxBatchSize: p.maxBatchSize } : {}),
  };
}

const sipOnlyKeys = ['aor', 'proxy', 'register', 'registrar', 'username', 'password'] as const;
const msPresOnlyKeys = ['registrar-uri', 'contact', 'tls', 'registerExpires', 'subscribeExpires', 'maxBatchSize'] as const;

type RawListen = NonNullable<NonNullable<ConfigDocument['presence']>['listen']>;

function presenceListen(raw: RawListen | undefined, fallback: PresenceListen): PresenceListen[] {
  if (!raw) return [fallback];
  return raw.map((l) => ({
    protocol: l.protocol as PresenceListen['protocol'],
    host: l.host ?? '127.0.0.1',
    port: l.port,
    ...(l.receiveBufferBytes !== undefined ? { receiveBufferBytes: l.receiveBufferBytes } : {}),
    ...(l.maxConnections !== undefined ? { maxConnections: l.maxConnections } : {}),
    ...(l.maxConnectionsPerAddress !== undefined ? { maxConnectionsPerAddress: l.maxConnectionsPerAddress } : {}),
    ...(l.stallTimeoutMs !== undefined ? { stallTimeoutMs: l.stallTimeoutMs } : {}),
  }));
}

/**
 * The transport the SIP stack sends to a URI over, by its rule (RFC 3261 section 18.1.1, the
 * stack's requestDestination): `sips:` is always tls (also with `transport=tcp`), else the
 * `transport` parameter, else udp. Undefined for a transport the stack does not speak.
 */
function uriTransport(uri: string): PresenceListen['protocol'] | undefined {
  const t = /;transport=([a-z]+)/i.exec(uri)?.[1]?.toLowerCase();
  if (/^sips:/i.test(uri)) return t === undefined || t === 'tcp' || t === 'tls' ? 'tls' : undefined;
  if (t === undefined) return 'udp';
  return t === 'udp' || t === 'tcp' || t === 'tls' ? t : undefined;
}
