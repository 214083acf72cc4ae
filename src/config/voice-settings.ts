/**
 * The `voice:` block of the top configuration file: how the SIP switch (a B2BUA) listens, which
 * trunks may send calls in, where the knowledge workers' phones are reached (the outbound proxy /
 * registrar and the KW domain), the media relay, and the seed's SIP Server options, spelled as in
 * the seeds (`sip-enable-moh`, `refer-enabled`...). docs/voice.md is the reference.
 *
 * `parseVoiceConfig` validates it and reports every problem with its place; the configuration
 * loader calls it with the node's location function.
 */
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigIssue } from './config-issue.ts';
import { declaredBoolean, declaredNumber } from './option-table.ts';
import { ConfigReader, type ConfigPath, type Locate, type RawMap } from './config-reader.ts';

export type VoiceProtocol = 'udp' | 'tcp' | 'tls';

export interface VoiceListen {
  protocol: VoiceProtocol;
  host: string;
  port: number;
  /** UDP only: SO_RCVBUF. */
  receiveBufferBytes?: number;
  /** TCP/TLS only: inbound connections in total (default: a quarter of `ulimit -n`, at most 10 000). */
  maxConnections?: number;
  /** TCP/TLS only: inbound connections from one address (default: a quarter of maxConnections). */
  maxConnectionsPerAddress?: number;
  /** TCP/TLS only: a connection stalled inside a message this long is closed (default 30 000 ms; 0 never). */
  stallTimeoutMs?: number;
}

/** A carrier (or SBC) allowed to send INVITEs in; its calls arrive through the Trunk DN `dn`. */
export interface VoiceTrunk {
  dn: string;
  /** IPv4/IPv6 addresses and CIDR blocks the INVITEs may come from. */
  addresses: string[];
  /** When set, INVITEs must also carry digest credentials (407 challenge). */
  credentials?: { username: string; password: string };
}

/**
 * What the caller hears while the call waits on the routing point and rings the KW:
 * `ringback` a 180 (the caller's own network plays the tone); `early-media` a 183 with the relay's
 * SDP and the `ringback` (else `music`) file played into it; `answer` the call is answered at once
 * (200) and the file played, for networks that drop early media.
 */
export type CallerMedia = 'ringback' | 'early-media' | 'answer';

/** A SIP header copied into the call's UserData under `key` (its name when not given). */
export interface UserDataHeader {
  header: string;
  key: string;
}

export interface VoiceConfig {
  listen: VoiceListen[];
  /** Certificate of the tls listeners (PEM paths, absolute). */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** Host written in Via and Contact instead of the bound address (a public name or NAT address). */
  contactHost?: string;
  trunks: VoiceTrunk[];
  /** Where calls to KWs go (a loose Route): the proxy / registrar their phones register at. */
  proxy?: string;
  /** The KWs' SIP domain: a DN without `contact` is reached at `sip:<DN>@<domain>`. */
  domain: string;
  /** Digest account for the proxy, when it challenges our INVITEs. */
  credentials?: { username: string; password: string };
  /** The media relay's ng control address (`udp:127.0.0.1:2223`); none: media flows end to end. */
  rtpengine?: { host: string; port: number; address: string };
  /** WAV files for rtpengine's `play media` (absolute paths: rtpengine reads them). */
  music?: string;
  ringback?: string;
  callerMedia: CallerMedia;
  /** DNs whose phones honour `Call-Info: answer-after=0`, so the desktop can answer them; `*`: every DN. */
  desktopAnswer: string[];
  userDataHeaders: UserDataHeader[];
  /** Live call legs at most (inbound INVITEs beyond get 503, offers fail). */
  maxLegs: number;
  /** Largest SDP body accepted from a peer. */
  maxSdpBytes: number;
  /** Play `music` to a held party (needs rtpengine). */
  'sip-enable-moh': boolean;
  /** Reliable provisional responses (RFC 3262): only `false` is supported. */
  'sip-enable-100rel': false;
  /** Re-INVITEs carry the party's last valid SDP (always so here). */
  'reuse-sdp-on-reinvite': boolean;
  /** REFER for transfers (not implemented: transfers re-bridge in the switch). */
  'refer-enabled': boolean;
  /** A consultation call gets its own dialog to the initiator (not implemented: it reuses the initiator's dialog). */
  'dual-dialog-enabled': boolean;
  /** RFC 3725 flow for a desktop make-call (kept for it; the Switch port has no make-call yet). */
  'make-call-rfc3725-flow': number;
  /** The TLS listener's port (the seed's spelling of a tls listener on the first listener's host). */
  'sip-port-tls'?: number;
}

/** Whether `dn` is in a `desktop-answer` list (case-insensitive; `*` holds every DN). */
export function desktopAnswers(list: readonly string[], dn: string): boolean {
  return list.includes('*') || list.some((d) => d.toLowerCase() === dn.toLowerCase());
}

export const VOICE_DEFAULTS = {
  listen: { protocol: 'udp', host: '127.0.0.1', port: 5060 } as VoiceListen,
  maxLegs: 10_000,
  maxSdpBytes: 16_384,
} as const;

const TOP_KEYS = [
  'listen', 'tls', 'contact-host', 'trunks', 'proxy', 'domain', 'username', 'password', 'rtpengine', 'music', 'ringback',
  'caller-media', 'desktop-answer', 'userdata-headers', 'max-legs', 'max-sdp-bytes',
  'sip-enable-moh', 'sip-enable-100rel', 'reuse-sdp-on-reinvite', 'refer-enabled', 'dual-dialog-enabled',
  'make-call-rfc3725-flow', 'sip-port-tls', 'no-answer-timeout',
] as const;

const HEADER_NAME = /^[A-Za-z0-9!%'*+.^_`|~-]{1,64}$/;
const DOMAIN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;

export interface ParseVoiceOptions {
  /** Directory of the configuration file: relative file paths (WAV, PEM) are resolved against it. */
  baseDir?: string;
  /** Path of the block in the document (default `['voice']`). */
  at?: ConfigPath;
}

/**
 * Validates a `voice:` block. `config` is undefined when there is any error; `issues` holds the
 * errors and warnings (options accepted but without effect here) with file and line.
 */
export function parseVoiceConfig(raw: unknown, at: Locate, options: ParseVoiceOptions = {}): { config: VoiceConfig | undefined; issues: ConfigIssue[] } {
  const r = new ConfigReader(at);
  const base: ConfigPath = options.at ?? ['voice'];
  const p = (...segs: Array<string | number>): ConfigPath => [...base, ...segs];
  const file = (v: unknown, key: string): string | undefined => {
    const s = r.string(v, p(key));
    return s === undefined ? undefined : isAbsolute(s) ? s : resolve(options.baseDir ?? '.', s);
  };
  const m = r.map(raw, base, TOP_KEYS);
  if (!m) return { config: undefined, issues: r.issues };

  if (m['no-answer-timeout'] !== undefined) {
    r.error(p('no-answer-timeout'), 'belongs to the T-Server: set it in the TServer application\'s options (the switch only reports that a phone did not answer)');
  }
  const listen = readListen(r, m.listen, p('listen'));
  const sipPortTls = r.int(m['sip-port-tls'], p('sip-port-tls'), 0, 65535, 'a port; 0 picks a free one');
  if (sipPortTls !== undefined) listen.push({ protocol: 'tls', host: listen[0]?.host ?? VOICE_DEFAULTS.listen.host, port: sipPortTls });
  const tls = readTls(r, m.tls, p('tls'), options.baseDir);
  const hasTls = listen.some((l) => l.protocol === 'tls');
  if (hasTls && !tls) r.error(m['sip-port-tls'] !== undefined ? p('sip-port-tls') : p('listen'), 'a tls listener needs voice.tls (certFile and keyFile)');
  if (!hasTls && m.tls !== undefined) r.error(p('tls'), 'only for a tls listener (voice.listen with protocol tls, or sip-port-tls)');

  const domain = r.string(m.domain, p('domain'), 253);
  if (m.domain === undefined) r.error(base, 'needs domain (the knowledge workers\' SIP domain, e.g. example.test)');
  else if (domain !== undefined && !DOMAIN.test(domain)) r.error(p('domain'), `must be a host name or IP address (got "${domain}")`);

  const proxy = r.sipUri(m.proxy, p('proxy'));
  const proxyTransport = proxy ? uriTransport(proxy) : undefined;
  if (proxy && proxyTransport === undefined) r.error(p('proxy'), 'names a transport the switch does not speak (udp, tcp, tls)');
  if (proxyTransport && !listen.some((l) => l.protocol === proxyTransport)) {
    r.error(p('proxy'), `uses transport ${proxyTransport} but no voice listener has protocol ${proxyTransport}`);
  }
  const credentials = readCredentials(r, m, base);
  const trunks = readTrunks(r, m.trunks, p('trunks'));
  if (m.trunks === undefined) r.warn(p(), 'no trunks: every inbound INVITE is refused with 403');

  const rtpengine = readRelay(r, m.rtpengine, p('rtpengine'));
  const music = file(m.music, 'music');
  const ringback = file(m.ringback, 'ringback');
  const callerMedia = r.oneOf(m['caller-media'], p('caller-media'), ['ringback', 'early-media', 'answer'] as const) ?? 'ringback';
  if (callerMedia !== 'ringback') {
    if (!rtpengine) r.error(p('caller-media'), `${callerMedia} needs rtpengine (the relay plays the file)`);
    if (!ringback && !music) r.error(p('caller-media'), `${callerMedia} needs ringback or music (the file the caller hears)`);
  }
  const moh = r.bool(m['sip-enable-moh'], p('sip-enable-moh')) ?? declaredBoolean('TServer', 'sip-enable-moh');
  if (moh && (!rtpengine || !music)) r.warn(p('sip-enable-moh'), 'music on hold needs rtpengine and music: held parties hear silence');
  if (r.bool(m['sip-enable-100rel'], p('sip-enable-100rel')) === true) {
    r.error(p('sip-enable-100rel'), 'only false is supported: reliable provisional responses (PRACK, RFC 3262) are not implemented');
  }
  const reuseSdp = r.bool(m['reuse-sdp-on-reinvite'], p('reuse-sdp-on-reinvite')) ?? declaredBoolean('TServer', 'reuse-sdp-on-reinvite');
  if (!reuseSdp) r.warn(p('reuse-sdp-on-reinvite'), 'has no effect: re-INVITEs always carry the party\'s last valid SDP (never an offer-less re-INVITE)');
  const refer = r.bool(m['refer-enabled'], p('refer-enabled')) ?? declaredBoolean('TServer', 'refer-enabled');
  if (refer) r.warn(p('refer-enabled'), 'has no effect: REFER is not implemented, transfers re-bridge the legs in the switch');
  const dualDialog = r.bool(m['dual-dialog-enabled'], p('dual-dialog-enabled')) ?? declaredBoolean('TServer', 'dual-dialog-enabled');
  if (dualDialog) r.warn(p('dual-dialog-enabled'), 'has no effect: a consultation call always reuses the initiator\'s dialog');
  const flow = r.int(m['make-call-rfc3725-flow'], p('make-call-rfc3725-flow'), 1, 4) ?? declaredNumber('TServer', 'make-call-rfc3725-flow');

  const desktopAnswer = readStrings(r, m['desktop-answer'], p('desktop-answer'), 10_000);
  const userDataHeaders = readUserDataHeaders(r, m['userdata-headers'], p('userdata-headers'));
  const maxLegs = r.int(m['max-legs'], p('max-legs'), 1, 1_000_000) ?? VOICE_DEFAULTS.maxLegs;
  const maxSdpBytes = r.int(m['max-sdp-bytes'], p('max-sdp-bytes'), 1024, 65_536, 'bytes') ?? VOICE_DEFAULTS.maxSdpBytes;
  const contactHost = r.string(m['contact-host'], p('contact-host'), 253);

  if (r.failed || domain === undefined) return { config: undefined, issues: r.issues };
  const config: VoiceConfig = {
    listen, trunks, domain, callerMedia, desktopAnswer, userDataHeaders, maxLegs, maxSdpBytes,
    'sip-enable-moh': moh, 'sip-enable-100rel': false, 'reuse-sdp-on-reinvite': reuseSdp, 'refer-enabled': refer,
    'dual-dialog-enabled': dualDialog, 'make-call-rfc3725-flow': flow,
    ...(sipPortTls !== undefined ? { 'sip-port-tls': sipPortTls } : {}),
    ...(tls ? { tls } : {}),
    ...(contactHost ? { contactHost } : {}),
    ...(proxy ? { proxy } : {}),
    ...(credentials ? { credentials } : {}),
    ...(rtpengine ? { rtpengine } : {}),
    ...(music ? { music } : {}),
    ...(ringback ? { ringback } : {}),
  };
  return { config, issues: r.issues };
}

function readListen(r: ConfigReader, raw: unknown, path: ConfigPath): VoiceListen[] {
  const items = r.list(raw, path, 8);
  if (!items) return raw === undefined ? [{ ...VOICE_DEFAULTS.listen }] : [];
  if (items.length === 0) r.error(path, 'needs at least one listener');
  const out: VoiceListen[] = [];
  items.forEach((item, i) => {
    const m = r.map(item, [...path, i], ['protocol', 'host', 'port', 'receiveBufferBytes', 'maxConnections', 'maxConnectionsPerAddress', 'stallTimeoutMs']);
    if (!m) return;
    const protocol = r.oneOf(m.protocol, [...path, i, 'protocol'], ['udp', 'tcp', 'tls'] as const);
    if (m.protocol === undefined) r.error([...path, i], 'needs protocol (udp, tcp or tls)');
    const host = r.string(m.host, [...path, i, 'host'], 253) ?? VOICE_DEFAULTS.listen.host;
    const port = r.int(m.port, [...path, i, 'port'], 0, 65535, '0 picks a free one');
    if (m.port === undefined) r.error([...path, i], 'needs port');
    const rcvbuf = r.int(m.receiveBufferBytes, [...path, i, 'receiveBufferBytes'], 65_536, 268_435_456, 'bytes');
    if (rcvbuf !== undefined && protocol !== 'udp') r.error([...path, i, 'receiveBufferBytes'], 'only for protocol udp');
    // The bounds of inbound tcp/tls connections (src/sip/transport/connection-limits.ts has the defaults).
    const maxConnections = r.int(m.maxConnections, [...path, i, 'maxConnections'], 1, 1_000_000, 'connections');
    const perAddress = r.int(m.maxConnectionsPerAddress, [...path, i, 'maxConnectionsPerAddress'], 1, 1_000_000, 'connections');
    const stall = r.int(m.stallTimeoutMs, [...path, i, 'stallTimeoutMs'], 0, 3_600_000, 'ms, 0 never');
    for (const [key, v] of [['maxConnections', maxConnections], ['maxConnectionsPerAddress', perAddress], ['stallTimeoutMs', stall]] as const) {
      if (v !== undefined && protocol === 'udp') r.error([...path, i, key], 'only for protocols tcp and tls');
    }
    if (maxConnections !== undefined && perAddress !== undefined && perAddress > maxConnections) r.error([...path, i, 'maxConnectionsPerAddress'], `must not exceed maxConnections (${maxConnections})`);
    if (protocol && port !== undefined) {
      out.push({
        protocol, host, port,
        ...(rcvbuf !== undefined ? { receiveBufferBytes: rcvbuf } : {}),
        ...(maxConnections !== undefined ? { maxConnections } : {}),
        ...(perAddress !== undefined ? { maxConnectionsPerAddress: perAddress } : {}),
        ...(stall !== undefined ? { stallTimeoutMs: stall } : {}),
      });
    }
  });
  return out;
}

function readTls(r: ConfigReader, raw: unknown, path: ConfigPath, baseDir: string | undefined): VoiceConfig['tls'] {
  if (raw === undefined) return undefined;
  const m = r.map(raw, path, ['certFile', 'keyFile', 'caFile']);
  if (!m) return undefined;
  const abs = (key: string): string | undefined => {
    const s = r.string(m[key], [...path, key]);
    return s === undefined ? undefined : isAbsolute(s) ? s : resolve(baseDir ?? '.', s);
  };
  const certFile = abs('certFile');
  const keyFile = abs('keyFile');
  const caFile = abs('caFile');
  if (m.certFile === undefined || m.keyFile === undefined) r.error(path, 'needs certFile and keyFile (PEM files)');
  if (!certFile || !keyFile) return undefined;
  return { certFile, keyFile, ...(caFile ? { caFile } : {}) };
}

function readCredentials(r: ConfigReader, m: RawMap, base: ConfigPath): { username: string; password: string } | undefined {
  const username = r.string(m.username, [...base, 'username'], 256);
  const password = r.string(m.password, [...base, 'password'], 256);
  if ((m.username === undefined) !== (m.password === undefined)) r.error(base, 'username and password go together');
  return username && password ? { username, password } : undefined;
}

function readTrunks(r: ConfigReader, raw: unknown, path: ConfigPath): VoiceTrunk[] {
  const items = r.list(raw, path, 1000) ?? [];
  const out: VoiceTrunk[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const at = [...path, i];
    const m = r.map(item, at, ['dn', 'addresses', 'username', 'password']);
    if (!m) return;
    const dn = r.string(m.dn, [...at, 'dn'], 255);
    if (m.dn === undefined) r.error(at, 'needs dn (the Trunk DN its calls arrive through)');
    if (dn !== undefined && seen.has(dn.toLowerCase())) r.error([...at, 'dn'], `trunk ${dn} is listed twice`);
    if (dn !== undefined) seen.add(dn.toLowerCase());
    const addresses = readStrings(r, m.addresses, [...at, 'addresses'], 1000);
    if (m.addresses === undefined || addresses.length === 0) r.error(at, 'needs addresses (the IP addresses or CIDR blocks it sends from)');
    addresses.forEach((a, j) => {
      if (!isAddressOrCidr(a)) r.error([...at, 'addresses', j], `must be an IPv4/IPv6 address or CIDR block such as 192.0.2.0/24 (got "${a}")`);
    });
    const credentials = readCredentials(r, m, at);
    if (dn !== undefined) out.push({ dn, addresses, ...(credentials ? { credentials } : {}) });
  });
  return out;
}

function readRelay(r: ConfigReader, raw: unknown, path: ConfigPath): VoiceConfig['rtpengine'] {
  const s = r.string(raw, path, 300);
  if (s === undefined) return undefined;
  const match = /^udp:(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(s);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    r.error(path, `must be udp:<host>:<port>, the ng control socket (got "${s}")`);
    return undefined;
  }
  const host = match[1]!.replace(/^\[|\]$/g, '');
  return { host, port, address: s };
}

function readStrings(r: ConfigReader, raw: unknown, path: ConfigPath, max: number): string[] {
  const items = r.list(raw, path, max) ?? [];
  const out: string[] = [];
  items.forEach((v, i) => {
    const s = r.string(v, [...path, i], 1024);
    if (s !== undefined) out.push(s);
  });
  return out;
}

function readUserDataHeaders(r: ConfigReader, raw: unknown, path: ConfigPath): UserDataHeader[] {
  const items = r.list(raw, path, 32) ?? [];
  const out: UserDataHeader[] = [];
  items.forEach((item, i) => {
    const at = [...path, i];
    let header: string | undefined;
    let key: string | undefined;
    if (typeof item === 'string') header = item;
    else {
      const m = r.map(item, at, ['header', 'key']);
      if (!m) return;
      header = r.string(m.header, [...at, 'header'], 64);
      key = r.string(m.key, [...at, 'key'], 255);
      if (m.header === undefined) r.error(at, 'needs header (a SIP header name)');
    }
    if (header === undefined) return;
    if (!HEADER_NAME.test(header)) return r.error(at, `must be a SIP header name (a token), got "${header}"`);
    out.push({ header, key: key ?? header });
  });
  return out;
}

/** An IPv4/IPv6 address, or a CIDR block with a prefix length that fits its family. */
export function isAddressOrCidr(s: string): boolean {
  const [addr, prefix, ...rest] = s.split('/');
  if (rest.length > 0 || addr === undefined) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * The transport the SIP stack sends to a URI over (its next-hop rule): `sips:` is tls, else the
 * `transport` parameter, else udp; undefined for a transport the stack does not speak.
 */
export function uriTransport(uri: string): VoiceProtocol | undefined {
  const t = /;transport=([a-z]+)/i.exec(uri)?.[1]?.toLowerCase();
  if (/^sips:/i.test(uri)) return t === undefined || t === 'tcp' || t === 'tls' ? 'tls' : undefined;
  if (t === undefined) return 'udp';
  return t === 'udp' || t === 'tcp' || t === 'tls' ? t : undefined;
}
