/**
 * Loads configuration YAML into validated ConfigObjects. Every problem is reported with its file and
 * line (the `yaml` Document API keeps each node's source range), all at once:
 * `config/demo.yaml:42: persons[1].annex.uc.contact: must be a SIP URI`.
 *
 * Three passes: YAML syntax per file, the TypeBox schema per file (closed objects), then the whole
 * configuration (duplicates with both locations, references between objects, known option values).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import { type Result, ok, err } from '../lib/result.ts';
import { type ConfigIssue, formatPath } from './config-issue.ts';
import { ConfigDocumentSchema, type ConfigDocument } from './config-document-schema.ts';
import {
  type AgentLoginObject,
  type AgentLoginRef,
  type ApplicationObject,
  type ApplicationType,
  type ConfigObjects,
  type DnObject,
  type DnRef,
  type DnType,
  type ObjectType,
  type OptionSections,
  type PersonObject,
  dnKey,
  emptyObjects,
} from './config-objects.ts';
import { type OptionLevel, type OptionTable, defaultOptionTable } from './option-table.ts';
import { parseOptionValue } from './option-value.ts';
import { sectionRules } from './section-rules.ts';
import { hashPassword, isPasswordHash } from './password-hash.ts';

/** Where the store lives. A relative SQLite path is relative to the working directory. */
export type StoreSettings = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string; schema?: string };

/** A SIP listener of a presence adapter; `receiveBufferBytes` (SO_RCVBUF) only on udp listeners. */
export interface PresenceListen {
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
}

export interface ListenSettings {
  host: string;
  tlib: number;
  http: number;
  /** HTTPS for the web edge: PEM file paths, relative ones resolved against the configuration file. */
  tls?: { certFile: string; keyFile: string };
}

export const DEFAULT_LISTEN: Readonly<ListenSettings> = { host: '127.0.0.1', tlib: 7000, http: 8080 };

/** A loaded, valid configuration. */
export interface LoadedConfig {
  objects: ConfigObjects;
  settings: DeploymentSettings;
  /** Every file read, the top file first. */
  files: string[];
  warnings: ConfigIssue[];
}

/** Why loading failed: the top file cannot be read, or the configuration has errors (warnings included). */
export type LoadFailure = { kind: 'unreadable'; file: string; message: string } | { kind: 'invalid'; issues: ConfigIssue[] };

export interface LoadOptions {
  /** Hash `password:` values into `passwordHash` (default true; `check-config` skips the cost). */
  hashPasswords?: boolean;
  table?: OptionTable;
  /** File reader (tests); defaults to node:fs. */
  readFile?: (path: string) => string;
}

const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MAX_INCLUDE_DEPTH = 8;
const MAX_SCHEMA_ERRORS = 200;

interface FileCtx {
  file: string;
  doc: Document;
  lc: LineCounter;
}

type Seg = string | number;

/** A value with the file and document path it came from. */
interface Located<T> {
  value: T;
  ctx: FileCtx;
  at: Seg[];
}

type RawDnRef = string | number | { switch: string; number: string | number };
type RawLoginRef = string | number | { switch: string; loginCode: string | number };

interface Collected {
  switches: Located<{ name: string; annex?: OptionSections }>[];
  dns: Located<NonNullable<ConfigDocument['dns']>[number]>[];
  places: Located<NonNullable<ConfigDocument['places']>[number]>[];
  persons: Located<NonNullable<ConfigDocument['persons']>[number]>[];
  agentLogins: Located<NonNullable<ConfigDocument['agentLogins']>[number]>[];
  agentGroups: Located<NonNullable<ConfigDocument['agentGroups']>[number]>[];
  applications: Located<NonNullable<ConfigDocument['applications']>[number]>[];
}

/** Reads and validates a configuration file (and its `include:` files). */
export function loadConfigFile(path: string, options: LoadOptions = {}): Result<LoadedConfig, LoadFailure> {
  const read = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    return err({ kind: 'unreadable', file: path, message: (e as Error).message });
  }
  return parseConfigText(text, path, { ...options, readFile: read });
}

/** Validates configuration text; `file` names it in messages and anchors relative `include:` paths. */
export function parseConfigText(text: string, file: string, options: LoadOptions = {}): Result<LoadedConfig, LoadFailure> {
  const loader = new Loader(options);
  return loader.run(text, file);
}

class Loader {
  private readonly issues: ConfigIssue[] = [];
  private readonly files: string[] = [];
  private readonly seen = new Set<string>();
  private readonly collected: Collected = { switches: [], dns: [], places: [], persons: [], agentLogins: [], agentGroups: [], applications: [] };
  private settings: DeploymentSettings = { store: { type: 'sqlite', path: ':memory:' }, presence: { mode: 'standalone' }, listen: { ...DEFAULT_LISTEN } };
  private readonly table: OptionTable;
  private readonly read: (path: string) => string;

  constructor(private readonly options: LoadOptions) {
    this.table = options.table ?? defaultOptionTable;
    this.read = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  }

  run(text: string, file: string): Result<LoadedConfig, LoadFailure> {
    this.loadFile(text, file, [], true);
    // Cross-object checks run only on well-formed files: a malformed DN would otherwise also show
    // up as a confusing "unknown DN" wherever it is referenced.
    const wellFormed = !this.issues.some((i) => i.severity === 'error');
    const objects = wellFormed ? this.checkAll() : emptyObjects();
    const errors = this.issues.filter((i) => i.severity === 'error');
    const sorted = [...this.issues].sort((a, b) => (a.file === b.file ? a.line - b.line : this.files.indexOf(a.file) - this.files.indexOf(b.file)));
    if (errors.length > 0) return err({ kind: 'invalid', issues: sorted });
    return ok({ objects, settings: this.settings, files: this.files, warnings: sorted });
  }

  // ---- pass 1 and 2: one file -------------------------------------------------------------------

  private loadFile(text: string, file: string, stack: string[], top: boolean): void {
    this.files.push(file);
    this.seen.add(resolve(file));
    if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
      this.issues.push({ severity: 'error', file, line: 1, path: '', message: `file is larger than ${MAX_FILE_BYTES} bytes` });
      return;
    }
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    const ctx: FileCtx = { file, doc, lc };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        this.issues.push({ severity: 'error', file, line: lc.linePos(e.pos[0]).line, path: '', message: firstLine(e.message) });
      }
      return;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 }) ?? {};
    } catch (e) {
      this.issues.push({ severity: 'error', file, line: 1, path: '', message: firstLine((e as Error).message) });
      return;
    }
    if (!this.checkSchema(ctx, data)) return;
    const d = data as ConfigDocument;
    if (d.store || d.presence || d.listen) {
      if (top) this.takeSettings(ctx, d);
      else this.error(ctx, [d.store ? 'store' : d.presence ? 'presence' : 'listen'], 'only allowed in the top-level file');
    }
    for (const type of ['switches', 'dns', 'places', 'persons', 'agentLogins', 'agentGroups', 'applications'] as const) {
      const items = d[type] ?? [];
      items.forEach((value, i) => (this.collected[type] as Located<unknown>[]).push({ value, ctx, at: [type, i] }));
    }
    (d.include ?? []).forEach((inc, i) => this.include(ctx, inc, i, [...stack, resolve(file)]));
  }

  private include(ctx: FileCtx, name: string, index: number, stack: string[]): void {
    const shown = join(dirname(ctx.file), name);
    const abs = resolve(shown);
    if (stack.includes(abs)) return this.error(ctx, ['include', index], `include cycle: ${name} includes this file again`);
    if (stack.length >= MAX_INCLUDE_DEPTH) return this.error(ctx, ['include', index], `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
    if (this.seen.has(abs)) return; // Included twice through different files: read once.
    let text: string;
    try {
      text = this.read(shown);
    } catch (e) {
      return this.error(ctx, ['include', index], `cannot read ${shown}: ${firstLine((e as Error).message)}`);
    }
    this.loadFile(text, shown, stack, false);
  }

  private takeSettings(ctx: FileCtx, d: ConfigDocument): void {
    if (d.store) {
      const s = d.store;
      if (s.type === 'postgres') {
        if (!s.url) this.error(ctx, ['store'], 'a postgres store needs url');
        else this.settings.store = s.schema ? { type: 'postgres', url: s.url, schema: s.schema } : { type: 'postgres', url: s.url };
        if (s.path) this.error(ctx, ['store', 'path'], 'path is for sqlite stores');
      } else {
        this.settings.store = { type: 'sqlite', path: s.path ?? ':memory:' };
        if (s.url) this.error(ctx, ['store', 'url'], 'url is for postgres stores');
        if (s.schema) this.error(ctx, ['store', 'schema'], 'schema is for postgres stores');
      }
    }
    if (d.presence) this.takePresence(ctx, d.presence);
    if (d.listen) {
      const { tls, ...ports } = d.listen;
      this.settings.listen = { ...this.settings.listen, ...ports };
      if (tls) this.settings.listen.tls = { certFile: resolve(dirname(ctx.file), tls.certFile), keyFile: resolve(dirname(ctx.file), tls.keyFile) };
    }
  }

  private takePresence(ctx: FileCtx, p: NonNullable<ConfigDocument['presence']>): void {
    // Keys of another mode are errors: a setting that would silently do nothing is a typo.
    const onlyFor = (keys: readonly (keyof typeof p)[], what: string): void => {
      for (const key of keys) if (p[key] !== undefined) this.error(ctx, ['presence', key], `only for ${what}`);
    };
    if (p.mode !== 'sip') onlyFor(sipOnlyKeys, 'mode sip');
    if (p.mode !== 'ms-pres') onlyFor(msPresOnlyKeys, 'mode ms-pres');
    if (p.mode === 'standalone') {
      onlyFor(['listen'], 'modes sip and ms-pres');
      this.settings.presence = { mode: 'standalone' };
      return;
    }
    p.listen?.forEach((l, i) => {
      if (l.receiveBufferBytes !== undefined && l.protocol !== 'udp') this.error(ctx, ['presence', 'listen', i, 'receiveBufferBytes'], 'only for protocol udp');
    });
    if (p.mode === 'ms-pres') return this.takeMsPres(ctx, p);
    if (!p.aor) this.error(ctx, ['presence'], 'mode sip needs aor (the connector\'s SIP address)');
    if (!p.proxy) this.error(ctx, ['presence'], 'mode sip needs proxy (the presence server)');
    if ((p.username === undefined) !== (p.password === undefined)) this.error(ctx, ['presence'], 'username and password go together');
    if (!p.aor || !p.proxy) return;
    this.settings.presence = {
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
  private takeMsPres(ctx: FileCtx, p: NonNullable<ConfigDocument['presence']>): void {
    const registrarUri = p['registrar-uri'];
    if (!registrarUri) this.error(ctx, ['presence'], "mode ms-pres needs registrar-uri (the pool's SIP URI)");
    if (!p.contact) this.error(ctx, ['presence'], "mode ms-pres needs contact (the connector's own SIP URI)");
    const listen = presenceListen(p.listen, { protocol: 'tls', host: '127.0.0.1', port: 5061 });
    const hasTls = listen.some((l) => l.protocol === 'tls');
    if (hasTls && !p.tls) {
      const i = p.listen ? listen.findIndex((l) => l.protocol === 'tls') : -1;
      this.error(ctx, i >= 0 ? ['presence', 'listen', i] : ['presence'], 'a tls listener needs presence.tls (certFile and keyFile: the trusted application\'s certificate)');
    }
    if (!hasTls && p.tls) this.error(ctx, ['presence', 'tls'], 'only for a tls listener');
    // The stack sends each request over a listener of the Request-URI's transport (sips: is tls).
    const transport = registrarUri ? uriTransport(registrarUri) : undefined;
    if (transport && !listen.some((l) => l.protocol === transport)) {
      this.error(ctx, ['presence', 'registrar-uri'], `uses transport ${transport} but no presence.listen entry has protocol ${transport}`);
    }
    if (!registrarUri || !p.contact) return;
    const base = dirname(ctx.file);
    this.settings.presence = {
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

  private checkSchema(ctx: FileCtx, data: unknown): boolean {
    const seen = new Set<string>();
    let count = 0;
    const checker = compiledSchema();
    if (checker.Check(data)) return true;
    for (const e of checker.Errors(data)) {
      const segs = pointerToSegments(e.path);
      const key = segs.join('/');
      if (seen.has(key)) continue;
      // A failed parent hides its children's errors: report the outermost problem once.
      if ([...seen].some((s) => key.startsWith(s + '/') || s === '')) continue;
      seen.add(key);
      this.error(ctx, segs, describeError(e));
      if (++count >= MAX_SCHEMA_ERRORS) break;
    }
    return count === 0;
  }

  // ---- pass 3: the whole configuration ----------------------------------------------------------

  private checkAll(): ConfigObjects {
    const c = this.collected;
    const out = emptyObjects();
    const hash = this.options.hashPasswords ?? true;

    const switches = this.unique(c.switches, (s) => s.name, 'switch', 'name');
    for (const s of switches) {
      out.switches.push({ name: s.value.name, annex: s.value.annex ?? {} });
      this.checkSections(s, 'annex', s.value.annex, 'switch');
    }
    const switchNames = new Set(out.switches.map((s) => s.name));
    const checkSwitch = (l: Located<{ switch?: string }>): void => {
      if (l.value.switch !== undefined && !switchNames.has(l.value.switch)) this.error(l.ctx, [...l.at, 'switch'], `unknown switch '${l.value.switch}'`);
    };

    // Seed 004 2.2: DN names differing only by case are one DN, so duplicates compare lower-cased.
    const dns = this.unique(c.dns, (d) => dnKey(d.switch, String(d.number)), 'DN', 'number', (d) => `${d.number}' on switch '${d.switch}`);
    const dnsByNumber = new Map<string, DnObject[]>();
    for (const d of dns) {
      checkSwitch(d);
      const dn: DnObject = { switch: d.value.switch, number: String(d.value.number), type: d.value.type as DnType, register: d.value.register ?? true, annex: d.value.annex ?? {} };
      if (d.value.association !== undefined) dn.association = d.value.association;
      out.dns.push(dn);
      const k = dn.number.toLowerCase();
      dnsByNumber.set(k, [...(dnsByNumber.get(k) ?? []), dn]);
      this.checkSections(d, 'annex', d.value.annex, 'dn');
    }

    const logins = this.unique(c.agentLogins, (a) => `${a.switch}/${a.loginCode}`, 'agent login', 'loginCode', (a) => `${a.loginCode}' on switch '${a.switch}`);
    const loginsByCode = new Map<string, AgentLoginObject[]>();
    for (const a of logins) {
      checkSwitch(a);
      const login: AgentLoginObject = { switch: a.value.switch, loginCode: String(a.value.loginCode), annex: a.value.annex ?? {} };
      const ph = this.passwordHash(a, hash);
      if (ph) login.passwordHash = ph;
      out.agentLogins.push(login);
      loginsByCode.set(login.loginCode, [...(loginsByCode.get(login.loginCode) ?? []), login]);
      this.checkSections(a, 'annex', a.value.annex, 'agentLogin');
    }

    const places = this.unique(c.places, (p) => p.name, 'place', 'name');
    const placeNames = new Set<string>();
    for (const p of places) {
      const refs: DnRef[] = [];
      (p.value.dns ?? []).forEach((r, i) => {
        const dn = this.resolveDn(p, ['dns', i], r as RawDnRef, dnsByNumber);
        if (dn) refs.push({ switch: dn.switch, number: dn.number });
      });
      out.places.push({ name: p.value.name, dns: refs });
      placeNames.add(p.value.name);
    }

    const persons = this.unique(c.persons, (p) => p.userName, 'user name', 'userName');
    const loginOwner = new Map<string, Located<unknown>>();
    for (const p of persons) {
      const v = p.value;
      const person: PersonObject = { userName: v.userName, agentLogins: [], annex: v.annex ?? {} };
      if (v.firstName !== undefined) person.firstName = v.firstName;
      if (v.lastName !== undefined) person.lastName = v.lastName;
      const ph = this.passwordHash(p, hash);
      if (ph) person.passwordHash = ph;
      (v.agentLogins ?? []).forEach((r, i) => {
        const login = this.resolveLogin(p, ['agentLogins', i], r as RawLoginRef, loginsByCode);
        if (!login) return;
        const key = `${login.switch}/${login.loginCode}`;
        const owner = loginOwner.get(key);
        const here: Located<unknown> = { value: null, ctx: p.ctx, at: [...p.at, 'agentLogins', i] };
        if (owner) this.error(p.ctx, here.at, `agent login '${login.loginCode}' already belongs to another person (at ${this.where(owner)})`);
        else loginOwner.set(key, here);
        person.agentLogins.push({ switch: login.switch, loginCode: login.loginCode });
      });
      if (v.defaultPlace !== undefined) {
        if (placeNames.has(v.defaultPlace)) person.defaultPlace = v.defaultPlace;
        else this.error(p.ctx, [...p.at, 'defaultPlace'], `unknown place '${v.defaultPlace}'`);
      }
      out.persons.push(person);
      this.checkSections(p, 'annex', v.annex, 'person');
    }
    const userNames = new Set(out.persons.map((p) => p.userName));

    for (const g of this.unique(c.agentGroups, (g) => g.name, 'agent group', 'name')) {
      const members: string[] = [];
      (g.value.members ?? []).forEach((m, i) => {
        if (!userNames.has(m)) this.error(g.ctx, [...g.at, 'members', i], `unknown person '${m}'`);
        else if (members.includes(m)) this.error(g.ctx, [...g.at, 'members', i], `person '${m}' is listed twice`);
        else members.push(m);
      });
      out.agentGroups.push({ name: g.value.name, members, annex: g.value.annex ?? {} });
      this.checkSections(g, 'annex', g.value.annex, undefined);
    }

    for (const a of this.unique(c.applications, (a) => a.name, 'application', 'name')) {
      checkSwitch(a);
      const application: ApplicationObject = { name: a.value.name, type: a.value.type as ApplicationType, options: a.value.options ?? {} };
      if (a.value.switch !== undefined) application.switch = a.value.switch;
      out.applications.push(application);
      this.checkSections(a, 'options', a.value.options, 'application');
    }
    return out;
  }

  /** Keeps the first of each key; later ones are errors naming both places. */
  private unique<T>(list: Located<T>[], key: (v: T) => string, label: string, field: string, show?: (v: T) => string): Array<Located<T>> {
    const first = new Map<string, Located<T>>();
    const out: Array<Located<T>> = [];
    for (const l of list) {
      const k = key(l.value);
      const prev = first.get(k);
      if (prev) {
        const shown = show ? show(l.value) : String((l.value as Record<string, unknown>)[field]);
        this.error(l.ctx, [...l.at, field], `duplicate ${label} '${shown}' (first defined at ${this.where(prev, field)})`);
      } else {
        first.set(k, l);
        out.push(l);
      }
    }
    return out;
  }

  private passwordHash(l: Located<{ password?: string; passwordHash?: string }>, hash: boolean): string | undefined {
    const { password, passwordHash } = l.value;
    if (password !== undefined && passwordHash !== undefined) {
      this.error(l.ctx, [...l.at, 'password'], 'give password or passwordHash, not both');
      return undefined;
    }
    if (passwordHash !== undefined) {
      if (!isPasswordHash(passwordHash)) this.error(l.ctx, [...l.at, 'passwordHash'], 'must be scrypt$N$r$p$salt$hash (see docs/configuration.md)');
      return passwordHash;
    }
    return password !== undefined && hash ? hashPassword(password) : undefined;
  }

  private resolveDn(owner: Located<unknown>, rel: Seg[], ref: RawDnRef, byNumber: Map<string, DnObject[]>): DnObject | undefined {
    const at = [...owner.at, ...rel];
    if (typeof ref === 'object') {
      const found = (byNumber.get(String(ref.number).toLowerCase()) ?? []).find((d) => d.switch === ref.switch);
      if (!found) this.error(owner.ctx, at, `unknown DN '${ref.number}' on switch '${ref.switch}'`);
      return found;
    }
    const candidates = byNumber.get(String(ref).toLowerCase()) ?? [];
    if (candidates.length === 1) return candidates[0];
    if (candidates.length === 0) this.error(owner.ctx, at, `unknown DN '${ref}'`);
    else this.error(owner.ctx, at, `ambiguous DN '${ref}' (on switches ${candidates.map((d) => d.switch).join(', ')}): write { switch, number }`);
    return undefined;
  }

  private resolveLogin(owner: Located<unknown>, rel: Seg[], ref: RawLoginRef, byCode: Map<string, AgentLoginObject[]>): AgentLoginRef | undefined {
    const at = [...owner.at, ...rel];
    if (typeof ref === 'object') {
      const found = (byCode.get(String(ref.loginCode)) ?? []).find((a) => a.switch === ref.switch);
      if (!found) this.error(owner.ctx, at, `unknown agent login '${ref.loginCode}' on switch '${ref.switch}'`);
      return found;
    }
    const candidates = byCode.get(String(ref)) ?? [];
    if (candidates.length === 1) return candidates[0];
    if (candidates.length === 0) this.error(owner.ctx, at, `unknown agent login '${ref}'`);
    else this.error(owner.ctx, at, `ambiguous agent login '${ref}' (on switches ${candidates.map((a) => a.switch).join(', ')}): write { switch, loginCode }`);
    return undefined;
  }

  /** Known options must have valid values; unknown names in a known section are warnings (typos). */
  private checkSections(owner: Located<unknown>, field: string, sections: OptionSections | undefined, level: OptionLevel | undefined): void {
    if (!sections) return;
    for (const [section, options] of Object.entries(sections)) {
      if (!this.table.hasSection(section)) continue;
      for (const [name, value] of Object.entries(options)) {
        const at = [...owner.at, field, section, name];
        const spec = this.table.find(section, name);
        if (!spec) {
          this.warn(owner.ctx, at, `unknown option in section ${section}`);
          continue;
        }
        const parsed = parseOptionValue(spec.kind, value);
        if (!parsed.ok) this.error(owner.ctx, at, parsed.error);
        else if (level && !spec.levels.includes(level)) this.warn(owner.ctx, at, `not read on ${levelNames[level]} (set it on ${spec.levels.map((l) => levelNames[l]).join(' or ')})`);
      }
      // Rules spanning options (e.g. a [router] strategy's target and selection).
      for (const issue of sectionRules[section.toLowerCase()]?.(options) ?? []) {
        const named = Object.keys(options).includes(issue.option) ? [issue.option] : [];
        this.error(owner.ctx, [...owner.at, field, section, ...named], named.length > 0 ? issue.message : `${issue.option}: ${issue.message}`);
      }
    }
  }

  // ---- locations --------------------------------------------------------------------------------

  private error(ctx: FileCtx, at: Seg[], message: string): void {
    this.issues.push({ severity: 'error', file: ctx.file, line: lineOf(ctx, at), path: formatPath(at), message });
  }

  private warn(ctx: FileCtx, at: Seg[], message: string): void {
    this.issues.push({ severity: 'warning', file: ctx.file, line: lineOf(ctx, at), path: formatPath(at), message });
  }

  private where(l: Located<unknown>, field?: string): string {
    return `${l.ctx.file}:${lineOf(l.ctx, field ? [...l.at, field] : l.at)}`;
  }
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

const levelNames: Record<OptionLevel, string> = { agentLogin: 'an Agent Login', dn: 'a DN', person: 'a Person', switch: 'a Switch', application: 'an Application' };

/**
 * The line of the deepest node on the path: a map entry's key line (so an unknown key or a bad
 * value points at its own line), or a list item's first line. Missing nodes fall back to the parent.
 */
function lineOf(ctx: FileCtx, at: Seg[]): number {
  let node: unknown = ctx.doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const seg of at) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (!item) break;
      offset = (item as Node).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return ctx.lc.linePos(offset).line;
}

let compiled: TypeCheck<typeof ConfigDocumentSchema> | undefined;
/** The schema compiled once (a plain walk is several times slower on large files). */
function compiledSchema(): TypeCheck<typeof ConfigDocumentSchema> {
  compiled ??= TypeCompiler.Compile(ConfigDocumentSchema);
  return compiled;
}

function pointerToSegments(pointer: string): Seg[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeError(e: ValueError): string {
  const s = e.schema as TSchema & { description?: string; maxLength?: number; maxItems?: number; type?: string };
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return 'unknown key';
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.StringMaxLength:
      return `must be at most ${s.maxLength} characters`;
    case ValueErrorType.StringMinLength:
      return 'must not be empty';
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${s.maxItems} items`;
    default:
      return `must be ${expected(s)}`;
  }
}

function expected(s: TSchema & { description?: string; type?: string; const?: unknown }): string {
  if (s.description) return s.description;
  switch (s.type) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a map';
    default:
      return 'valid';
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** Singular and plural names of each object kind (used by `check-config` summaries). */
export const objectTypeLabels: Record<ObjectType, readonly [string, string]> = {
  switches: ['switch', 'switches'],
  dns: ['DN', 'DNs'],
  places: ['place', 'places'],
  persons: ['person', 'persons'],
  agentLogins: ['agent login', 'agent logins'],
  agentGroups: ['agent group', 'agent groups'],
  applications: ['application', 'applications'],
};
