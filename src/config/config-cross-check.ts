/**
 * Pass 3 of loading: the whole configuration at once. Duplicates are errors naming both places,
 * references between objects (switches, DNs, agent logins, places, persons) must resolve, and every
 * known option must have a valid value on a level that reads it (unknown options are warnings).
 */
import {
  type AgentLoginObject,
  type AgentLoginRef,
  type ApplicationObject,
  type ApplicationType,
  type ConfigObjects,
  type DnObject,
  type DnRef,
  type DnType,
  type OptionSections,
  type PersonObject,
  dnKey,
  emptyObjects,
} from './config-objects.ts';
import type { ConfigDocument } from './config-document-schema.ts';
import type { IssueList, Located, Seg } from './config-location.ts';
import type { OptionLevel, OptionTable } from './option-table.ts';
import { parseOptionValue } from './option-value.ts';
import { hashPassword, isPasswordHash } from './password-hash.ts';
import { sectionRules } from './section-rules.ts';

type RawDnRef = string | number | { switch: string; number: string | number };
type RawLoginRef = string | number | { switch: string; loginCode: string | number };

/** Every object of every file read, with where it was written. */
export interface Collected {
  switches: Located<{ name: string; annex?: OptionSections }>[];
  dns: Located<NonNullable<ConfigDocument['dns']>[number]>[];
  places: Located<NonNullable<ConfigDocument['places']>[number]>[];
  persons: Located<NonNullable<ConfigDocument['persons']>[number]>[];
  agentLogins: Located<NonNullable<ConfigDocument['agentLogins']>[number]>[];
  agentGroups: Located<NonNullable<ConfigDocument['agentGroups']>[number]>[];
  applications: Located<NonNullable<ConfigDocument['applications']>[number]>[];
}

export function emptyCollected(): Collected {
  return { switches: [], dns: [], places: [], persons: [], agentLogins: [], agentGroups: [], applications: [] };
}

/** Builds the ConfigObjects from what the files held; problems go to `issues`. */
export class CrossChecker {
  /** `hashPasswords`: hash `password:` values into `passwordHash` (check-config skips the cost). */
  constructor(
    private readonly issues: IssueList,
    private readonly table: OptionTable,
    private readonly hashPasswords: boolean,
  ) {}

  check(c: Collected): ConfigObjects {
    const out = emptyObjects();
    const hash = this.hashPasswords;

    const switches = this.unique(c.switches, (s) => s.name, 'switch', 'name');
    for (const s of switches) {
      out.switches.push({ name: s.value.name, annex: s.value.annex ?? {} });
      this.checkSections(s, 'annex', s.value.annex, 'switch');
    }
    const switchNames = new Set(out.switches.map((s) => s.name));
    const checkSwitch = (l: Located<{ switch?: string }>): void => {
      if (l.value.switch !== undefined && !switchNames.has(l.value.switch)) this.issues.error(l.ctx, [...l.at, 'switch'], `unknown switch '${l.value.switch}'`);
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
        if (owner) this.issues.error(p.ctx, here.at, `agent login '${login.loginCode}' already belongs to another person (at ${this.issues.where(owner)})`);
        else loginOwner.set(key, here);
        person.agentLogins.push({ switch: login.switch, loginCode: login.loginCode });
      });
      if (v.defaultPlace !== undefined) {
        if (placeNames.has(v.defaultPlace)) person.defaultPlace = v.defaultPlace;
        else this.issues.error(p.ctx, [...p.at, 'defaultPlace'], `unknown place '${v.defaultPlace}'`);
      }
      out.persons.push(person);
      this.checkSections(p, 'annex', v.annex, 'person');
    }
    const userNames = new Set(out.persons.map((p) => p.userName));

    for (const g of this.unique(c.agentGroups, (g) => g.name, 'agent group', 'name')) {
      const members: string[] = [];
      (g.value.members ?? []).forEach((m, i) => {
        if (!userNames.has(m)) this.issues.error(g.ctx, [...g.at, 'members', i], `unknown person '${m}'`);
        else if (members.includes(m)) this.issues.error(g.ctx, [...g.at, 'members', i], `person '${m}' is listed twice`);
        else members.push(m);
      });
      out.agentGroups.push({ name: g.value.name, members, annex: g.value.annex ?? {} });
      this.checkSections(g, 'annex', g.value.annex, undefined);
    }

    for (const a of this.unique(c.applications, (a) => a.name, 'application', 'name')) {
      checkSwitch(a);
      const application: ApplicationObject = { name: a.value.name, type: a.value.type as ApplicationType, options: a.value.options ?? {} };
      if (a.value.switch !== undefined) application.switch = a.value.switch;
      const ph = this.passwordHash(a, hash);
      if (ph) application.passwordHash = ph;
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
        this.issues.error(l.ctx, [...l.at, field], `duplicate ${label} '${shown}' (first defined at ${this.issues.where(prev, field)})`);
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
      this.issues.error(l.ctx, [...l.at, 'password'], 'give password or passwordHash, not both');
      return undefined;
    }
    if (passwordHash !== undefined) {
      if (!isPasswordHash(passwordHash)) this.issues.error(l.ctx, [...l.at, 'passwordHash'], 'must be scrypt$N$r$p$salt$hash (see docs/configuration.md)');
      return passwordHash;
    }
    return password !== undefined && hash ? hashPassword(password) : undefined;
  }

  private resolveDn(owner: Located<unknown>, rel: Seg[], ref: RawDnRef, byNumber: Map<string, DnObject[]>): DnObject | undefined {
    const at = [...owner.at, ...rel];
    if (typeof ref === 'object') {
      const found = (byNumber.get(String(ref.number).toLowerCase()) ?? []).find((d) => d.switch === ref.switch);
      if (!found) this.issues.error(owner.ctx, at, `unknown DN '${ref.number}' on switch '${ref.switch}'`);
      return found;
    }
    const candidates = byNumber.get(String(ref).toLowerCase()) ?? [];
    if (candidates.length === 1) return candidates[0];
    if (candidates.length === 0) this.issues.error(owner.ctx, at, `unknown DN '${ref}'`);
    else this.issues.error(owner.ctx, at, `ambiguous DN '${ref}' (on switches ${candidates.map((d) => d.switch).join(', ')}): write { switch, number }`);
    return undefined;
  }

  private resolveLogin(owner: Located<unknown>, rel: Seg[], ref: RawLoginRef, byCode: Map<string, AgentLoginObject[]>): AgentLoginRef | undefined {
    const at = [...owner.at, ...rel];
    if (typeof ref === 'object') {
      const found = (byCode.get(String(ref.loginCode)) ?? []).find((a) => a.switch === ref.switch);
      if (!found) this.issues.error(owner.ctx, at, `unknown agent login '${ref.loginCode}' on switch '${ref.switch}'`);
      return found;
    }
    const candidates = byCode.get(String(ref)) ?? [];
    if (candidates.length === 1) return candidates[0];
    if (candidates.length === 0) this.issues.error(owner.ctx, at, `unknown agent login '${ref}'`);
    else this.issues.error(owner.ctx, at, `ambiguous agent login '${ref}' (on switches ${candidates.map((a) => a.switch).join(', ')}): write { switch, loginCode }`);
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
          this.issues.warn(owner.ctx, at, `unknown option in section ${section}`);
          continue;
        }
        const parsed = parseOptionValue(spec.kind, value);
        if (!parsed.ok) this.issues.error(owner.ctx, at, parsed.error);
        else if (level && !spec.levels.includes(level)) this.issues.warn(owner.ctx, at, `not read on ${levelNames[level]} (set it on ${spec.levels.map((l) => levelNames[l]).join(' or ')})`);
      }
      // Rules spanning options (e.g. a [router] strategy's target and selection).
      for (const issue of sectionRules[section.toLowerCase()]?.(options) ?? []) {
        const named = Object.keys(options).includes(issue.option) ? [issue.option] : [];
        this.issues.error(owner.ctx, [...owner.at, field, section, ...named], named.length > 0 ? issue.message : `${issue.option}: ${issue.message}`);
      }
    }
  }
}

const levelNames: Record<OptionLevel, string> = { agentLogin: 'an Agent Login', dn: 'a DN', person: 'a Person', switch: 'a Switch', application: 'an Application' };
