/**
 * Loads configuration YAML into validated ConfigObjects. Every problem is reported with its file and
 * line (the `yaml` Document API keeps each node's source range), all at once:
 * `config/demo.yaml:42: persons[1].annex.uc.contact: must be a SIP URI`.
 *
 * Three passes: YAML syntax per file, the TypeBox schema per file (closed objects,
 * config-schema-check.ts), then the whole configuration (duplicates with both locations,
 * references between objects, known option values: config-cross-check.ts). The top-level file's
 * `store`, `presence` and `listen` are read by deployment-settings.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { type Result, ok, err } from '../lib/result.ts';
import type { ConfigIssue } from './config-issue.ts';
import type { ConfigDocument } from './config-document-schema.ts';
import { type ConfigObjects, type ObjectType, emptyObjects } from './config-objects.ts';
import { type Collected, CrossChecker, emptyCollected } from './config-cross-check.ts';
import { type FileCtx, IssueList, type Located, firstLine } from './config-location.ts';
import { checkSchema } from './config-schema-check.ts';
import { type DeploymentSettings, type SettingLocation, defaultSettings, takeSettings } from './deployment-settings.ts';
import { type OptionTable, defaultOptionTable } from './option-table.ts';

// The settings types moved to deployment-settings.ts; importers of this module keep their names.
export {
  type StoreSettings,
  type PresenceListen,
  type PresenceSettings,
  type MsPresSettings,
  type DeploymentSettings,
  type ListenSettings,
  type SettingLocation,
  DEFAULT_LISTEN,
} from './deployment-settings.ts';

/** A loaded, valid configuration. */
export interface LoadedConfig {
  objects: ConfigObjects;
  settings: DeploymentSettings;
  /** Every file read, the top file first. */
  files: string[];
  warnings: ConfigIssue[];
  /** Where `store.path` (or `store.url`) is written; errors opening the store name it. */
  storeAt?: SettingLocation;
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
  private readonly issues = new IssueList();
  private readonly files: string[] = [];
  private readonly seen = new Set<string>();
  private readonly collected: Collected = emptyCollected();
  private settings: DeploymentSettings = defaultSettings();
  private storeAt: SettingLocation | undefined;
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
    const objects: ConfigObjects = this.issues.hasErrors() ? emptyObjects() : new CrossChecker(this.issues, this.table, this.options.hashPasswords ?? true).check(this.collected);
    const sorted = [...this.issues.issues].sort((a, b) => (a.file === b.file ? a.line - b.line : this.files.indexOf(a.file) - this.files.indexOf(b.file)));
    if (this.issues.hasErrors()) return err({ kind: 'invalid', issues: sorted });
    return ok({ objects, settings: this.settings, files: this.files, warnings: sorted, ...(this.storeAt ? { storeAt: this.storeAt } : {}) });
  }

  private loadFile(text: string, file: string, stack: string[], top: boolean): void {
    this.files.push(file);
    this.seen.add(resolve(file));
    if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
      this.issues.fileError(file, 1, `file is larger than ${MAX_FILE_BYTES} bytes`);
      return;
    }
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    const ctx: FileCtx = { file, doc, lc };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        this.issues.fileError(file, lc.linePos(e.pos[0]).line, firstLine(e.message));
      }
      return;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 }) ?? {};
    } catch (e) {
      this.issues.fileError(file, 1, firstLine((e as Error).message));
      return;
    }
    if (!checkSchema(ctx, data, this.issues)) return;
    const d = data as ConfigDocument;
    if (d.store || d.presence || d.listen || d.voice !== undefined) {
      if (top) ({ settings: this.settings, storeAt: this.storeAt } = takeSettings(ctx, d, this.issues));
      else this.issues.error(ctx, [d.store ? 'store' : d.presence ? 'presence' : d.listen ? 'listen' : 'voice'], 'only allowed in the top-level file');
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
    if (stack.includes(abs)) return this.issues.error(ctx, ['include', index], `include cycle: ${name} includes this file again`);
    if (stack.length >= MAX_INCLUDE_DEPTH) return this.issues.error(ctx, ['include', index], `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
    if (this.seen.has(abs)) return; // Included twice through different files: read once.
    let text: string;
    try {
      text = this.read(shown);
    } catch (e) {
      return this.issues.error(ctx, ['include', index], `cannot read ${shown}: ${firstLine((e as Error).message)}`);
    }
    this.loadFile(text, shown, stack, false);
  }
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
