/**
 * Holds the presence definition in force. `update(location)` is called with the current
 * `presence-location` value whenever the options change; the document is (re)read only when the
 * value changes (seed 000: "reloaded only when the option value changes"). Blank means the
 * built-in definition. An invalid document is ignored and the previous valid one stays, with an
 * error logged naming the file and line; dropped parts of a valid document are logged as warnings.
 *
 * Locations are file paths (relative ones resolve against `baseDir`) or `file:` URLs. HTTP(S)
 * locations are not fetched yet: they are logged as an error and the previous definition stays.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../lib/logger.ts';
import { silentLogger } from '../../lib/logger.ts';
import { TypedEmitter } from '../../lib/typed-emitter.ts';
import { builtInPresenceDefinition } from './built-in-presence-definition.ts';
import { parsePresenceDefinition, PRESENCE_DEFINITION_MAX_BYTES } from './presence-definition-parser.ts';
import type { PresenceDefinition } from './presence-definition.ts';

export interface PresenceDefinitionSourceEvents {
  /** A new definition is in force. */
  change: (definition: PresenceDefinition) => void;
}

export interface PresenceDefinitionSourceOptions {
  logger?: Logger;
  /** Directory relative locations resolve against (the configuration file's). Default: the working directory. */
  baseDir?: string;
  /** Reads a file (tests pass a fake). */
  read?: (path: string) => Promise<Uint8Array>;
}

/** Outcome of {@link PresenceDefinitionSource.update}. */
export type PresenceDefinitionUpdate = 'unchanged' | 'loaded' | 'built-in' | 'kept-previous';

export class PresenceDefinitionSource extends TypedEmitter<PresenceDefinitionSourceEvents> {
  private definition: PresenceDefinition = builtInPresenceDefinition;
  private location: string | undefined;
  private readonly logger: Logger;
  private readonly baseDir: string;
  private readonly read: (path: string) => Promise<Uint8Array>;

  constructor(options: PresenceDefinitionSourceOptions = {}) {
    super();
    this.logger = (options.logger ?? silentLogger).child({ component: 'presence-definition' });
    this.baseDir = options.baseDir ?? process.cwd();
    this.read = options.read ?? ((p) => readFile(p));
  }

  /** The definition in force. */
  current(): PresenceDefinition {
    return this.definition;
  }

  /** Applies the `presence-location` value; reads the document only when the value changed. */
  async update(location: string): Promise<PresenceDefinitionUpdate> {
    const loc = location.trim();
    if (loc === this.location) return 'unchanged';
    this.location = loc;
    if (loc === '') {
      this.set(builtInPresenceDefinition);
      return 'built-in';
    }
    if (/^https?:/i.test(loc)) {
      this.logger.error('presence definition not loaded: HTTP(S) locations are not supported yet; keeping the previous definition', { file: loc, line: null });
      return 'kept-previous';
    }
    let file: string;
    try {
      file = loc.startsWith('file:') ? fileURLToPath(loc) : isAbsolute(loc) ? loc : resolve(this.baseDir, loc);
    } catch (e) {
      this.logger.error('presence definition not loaded: bad location; keeping the previous definition', { file: loc, line: null, error: String(e) });
      return 'kept-previous';
    }
    let bytes: Uint8Array;
    try {
      bytes = await this.read(file);
    } catch (e) {
      this.logger.error('presence definition not loaded: cannot read the file; keeping the previous definition', { file, line: null, error: e instanceof Error ? e.message : String(e) });
      return 'kept-previous';
    }
    if (this.location !== loc) return 'unchanged'; // a newer update() started meanwhile
    if (bytes.byteLength > PRESENCE_DEFINITION_MAX_BYTES) {
      this.logger.error('presence definition not loaded: file too large; keeping the previous definition', { file, line: null, bytes: bytes.byteLength });
      return 'kept-previous';
    }
    const parsed = parsePresenceDefinition(bytes);
    if (!parsed.ok) {
      for (const i of parsed.error.issues) {
        const log = i.severity === 'error' ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger);
        log(`presence definition invalid; keeping the previous definition: ${i.message}`, { file, line: i.line ?? null });
      }
      return 'kept-previous';
    }
    for (const w of parsed.value.warnings) this.logger.warn(`presence definition: ${w.message}`, { file, line: w.line ?? null });
    this.logger.info('presence definition loaded', { file, states: parsed.value.definition.states.length });
    this.set(parsed.value.definition);
    return 'loaded';
  }

  private set(def: PresenceDefinition): void {
    if (def === this.definition) return;
    this.definition = def;
    this.safeEmit('change', def);
  }
}
