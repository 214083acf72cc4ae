/**
 * Option lookup with the seeds' precedence. Each declared option lists the levels it may be set on,
 * highest first (option-table.ts): e.g. `no-answer-action` reads the Agent Login annex, then the
 * Extension DN annex, then the Application `[TServer]` section (seed 004 5.9); `uc-connector`
 * options on a Person annex override the Application (seed 000 5.5). Unset everywhere: the default.
 *
 * An invalid value falls back to the default with a warning (seed 000: invalid values mean the
 * default applies). Every call reads the current snapshot, so a change is seen at once.
 */
import type { AgentLoginObject, AgentLoginRef, DnObject, DnRef, OptionSections, OptionValue } from './config-objects.ts';
import { findSection, objectKey } from './config-objects.ts';
import type { ConfigView } from './config-index.ts';
import { type OptionLevel, type OptionSpec, type OptionTable, defaultOptionTable } from './option-table.ts';
import { type NumberRange, type ParsedOptionValue, parseOptionValue } from './option-value.ts';
import { UccError } from '../lib/errors.ts';
import { type Logger, silentLogger } from '../lib/logger.ts';

/** The objects an option is read for. Bare strings resolve on the application's switch. */
export interface OptionContext {
  /** Person user name. */
  person?: string;
  /** DN number, or `{ switch, number }`. */
  dn?: string | DnRef;
  /** Agent Login code, or `{ switch, loginCode }`. */
  agentLogin?: string | AgentLoginRef;
}

/** A resolved value and where it came from. */
export interface ResolvedOption {
  value: ParsedOptionValue | undefined;
  source: OptionLevel | 'default';
}

export interface OptionResolverOptions {
  view: ConfigView;
  /** The Application whose options apply (the role's own Application object). */
  application: string;
  table?: OptionTable;
  logger?: Logger;
}

const MAX_WARNED = 1000;

/**
 * An option's section contents by level, for a role that holds its own copy of the configuration
 * (the T-Server core keeps each DN's and Agent Login's `[TServer]` annex section).
 */
export type SectionsByLevel = Partial<Record<OptionLevel, Readonly<Record<string, OptionValue>> | undefined>>;

/** A value resolved by {@link resolveOptionIn}. */
export interface ResolvedOptionIn {
  value: ParsedOptionValue | undefined;
  /** `request`: the per-request value (a T-Library Extension) won. */
  source: OptionLevel | 'request' | 'default';
  /** Set when the winning value was invalid (the default applies): where it was and why. */
  invalid?: { level: OptionLevel | 'request'; raw: OptionValue; problem: string };
}

/**
 * Resolves a declared option over sections given directly: a per-request value first (T-Library
 * Extensions beat every configured level, seed 004 5.9), then the option's levels in its declared
 * precedence; a level the option is not declared on is not read. An invalid winning value gives the
 * default, as {@link OptionResolver.resolve} does, and says so in `invalid` for the caller to
 * report (the T-Server answers an invalid request value with EventError).
 */
export function resolveOptionIn(section: string, name: string, sections: SectionsByLevel, opts: { request?: OptionValue | undefined; table?: OptionTable } = {}): ResolvedOptionIn {
  const table = opts.table ?? defaultOptionTable;
  const spec = table.find(section, name);
  if (!spec) throw new UccError('UCC_ERR_CONFIG_UNKNOWN_OPTION', `option ${section}/${name} is not declared in the option table`);
  const pick = (level: OptionLevel | 'request', raw: OptionValue): ResolvedOptionIn => {
    const parsed = parseOptionValue(spec.kind, raw);
    return parsed.ok ? { value: parsed.value, source: level } : { value: spec.default, source: 'default', invalid: { level, raw, problem: parsed.error } };
  };
  if (opts.request !== undefined) return pick('request', opts.request);
  for (const level of spec.levels) {
    const raw = sections[level]?.[name];
    if (raw !== undefined) return pick(level, raw);
  }
  return { value: spec.default, source: 'default' };
}

export class OptionResolver {
  private readonly view: ConfigView;
  private readonly application: string;
  private readonly table: OptionTable;
  private readonly logger: Logger;
  private readonly warned = new Set<string>();

  constructor(options: OptionResolverOptions) {
    this.view = options.view;
    this.application = options.application;
    this.table = options.table ?? defaultOptionTable;
    this.logger = options.logger ?? silentLogger;
  }

  /** The value of a declared option and the level it came from. */
  resolve(section: string, name: string, ctx: OptionContext = {}): ResolvedOption {
    const spec = this.spec(section, name);
    for (const level of spec.levels) {
      const found = this.lookup(level, spec, name, ctx);
      if (!found) continue;
      const parsed = parseOptionValue(spec.kind, found.raw);
      if (parsed.ok) return { value: parsed.value, source: level };
      this.warnInvalid(spec, name, level, found.owner, found.raw, parsed.error);
      return { value: spec.default, source: 'default' };
    }
    return { value: spec.default, source: 'default' };
  }

  /** An integer option. */
  getNumber(section: string, name: string, ctx?: OptionContext): number {
    return this.required(section, name, ctx, ['integer']) as number;
  }

  /** A boolean option. */
  getBoolean(section: string, name: string, ctx?: OptionContext): boolean {
    return this.required(section, name, ctx, ['boolean']) as boolean;
  }

  /** A string, SIP URI or enumerated option; undefined when it has no default and is unset. */
  getString(section: string, name: string, ctx?: OptionContext): string | undefined {
    this.checkKind(section, name, ['string', 'sip-uri', 'enum']);
    return this.resolve(section, name, ctx).value as string | undefined;
  }

  /** A code list such as `agent-status-ready` (`0-4499`), as ranges (`to` is Infinity for `18000-`). */
  getRangeList(section: string, name: string, ctx?: OptionContext): NumberRange[] {
    return this.required(section, name, ctx, ['range-list']) as NumberRange[];
  }

  /** A period such as `wrap-up-time`: seconds, or `untimed`. */
  getSecondsOrUntimed(section: string, name: string, ctx?: OptionContext): number | 'untimed' {
    return this.required(section, name, ctx, ['seconds-or-untimed']) as number | 'untimed';
  }

  private required(section: string, name: string, ctx: OptionContext | undefined, kinds: string[]): ParsedOptionValue {
    this.checkKind(section, name, kinds);
    const v = this.resolve(section, name, ctx).value;
    if (v === undefined) throw new UccError('UCC_ERR_CONFIG_UNKNOWN_OPTION', `${section}/${name} has no default; read it with resolve()`);
    return v;
  }

  private checkKind(section: string, name: string, kinds: string[]): void {
    const spec = this.spec(section, name);
    if (!kinds.includes(spec.kind.type)) throw new UccError('UCC_ERR_CONFIG_UNKNOWN_OPTION', `${section}/${name} is declared as ${spec.kind.type}, not ${kinds.join(' or ')}`);
  }

  private spec(section: string, name: string): OptionSpec {
    const spec = this.table.find(section, name);
    if (!spec) throw new UccError('UCC_ERR_CONFIG_UNKNOWN_OPTION', `option ${section}/${name} is not declared in the option table`);
    return spec;
  }

  private lookup(level: OptionLevel, spec: OptionSpec, name: string, ctx: OptionContext): { raw: OptionValue; owner: string } | undefined {
    const target = this.target(level, ctx);
    if (!target) return undefined;
    const raw = findSection(target.sections, spec.section)?.[name];
    return raw === undefined ? undefined : { raw, owner: target.owner };
  }

  /** The object of a level in this context, with its sections. */
  private target(level: OptionLevel, ctx: OptionContext): { sections: OptionSections; owner: string } | undefined {
    const app = this.view.get('applications', this.application);
    switch (level) {
      case 'application':
        return app ? { sections: app.options, owner: `application ${app.name}` } : undefined;
      case 'person': {
        const p = ctx.person === undefined ? undefined : this.view.get('persons', ctx.person);
        return p ? { sections: p.annex, owner: `person ${p.userName}` } : undefined;
      }
      case 'switch': {
        const s = app?.switch === undefined ? undefined : this.view.get('switches', app.switch);
        return s ? { sections: s.annex, owner: `switch ${s.name}` } : undefined;
      }
      case 'dn': {
        const d: DnObject | undefined =
          ctx.dn === undefined ? undefined : typeof ctx.dn === 'string' ? this.view.findDn(ctx.dn, app?.switch) ?? this.view.findDn(ctx.dn) : this.view.findDn(ctx.dn.number, ctx.dn.switch);
        return d ? { sections: d.annex, owner: `DN ${objectKey('dns', d)}` } : undefined;
      }
      case 'agentLogin': {
        const a: AgentLoginObject | undefined =
          ctx.agentLogin === undefined
            ? undefined
            : typeof ctx.agentLogin === 'string'
              ? this.view.findAgentLogin(ctx.agentLogin, app?.switch) ?? this.view.findAgentLogin(ctx.agentLogin)
              : this.view.findAgentLogin(ctx.agentLogin.loginCode, ctx.agentLogin.switch);
        return a ? { sections: a.annex, owner: `agent login ${objectKey('agentLogins', a)}` } : undefined;
      }
    }
  }

  private warnInvalid(spec: OptionSpec, name: string, level: OptionLevel, owner: string, raw: OptionValue, problem: string): void {
    const key = `${owner}|${spec.section}|${name}|${String(raw)}`;
    if (this.warned.has(key)) return;
    if (this.warned.size >= MAX_WARNED) this.warned.clear();
    this.warned.add(key);
    this.logger.warn('invalid option value; using the default', { section: spec.section, option: name, setOn: level, object: owner, value: raw, problem, default: spec.default });
  }
}
