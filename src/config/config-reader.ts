/**
 * Reads an untrusted YAML value (already turned into plain JS) option by option, collecting every
 * problem with its place: `config/voice.yaml:12: voice.trunks[0].addresses[1]: must be ...`. Each
 * reader returns undefined for a missing or bad value, so parsing goes on and reports all issues.
 */
import type { ConfigIssue } from './config-issue.ts';
import { formatPath } from './config-issue.ts';
import { parseUri } from '../sip/message/index.ts';

export type ConfigPath = ReadonlyArray<string | number>;

/** Where a path lies in the configuration files (the loader knows; tests may give a fixed place). */
export type Locate = (path: ConfigPath) => { file: string; line: number };

export type RawMap = Record<string, unknown>;

export class ConfigReader {
  readonly issues: ConfigIssue[] = [];

  constructor(private readonly at: Locate) {}

  error(path: ConfigPath, message: string): void {
    this.push('error', path, message);
  }

  warn(path: ConfigPath, message: string): void {
    this.push('warning', path, message);
  }

  private push(severity: ConfigIssue['severity'], path: ConfigPath, message: string): void {
    const { file, line } = this.at(path);
    this.issues.push({ severity, file, line, path: formatPath(path), message });
  }

  get failed(): boolean {
    return this.issues.some((i) => i.severity === 'error');
  }

  /** A map with only `known` keys (each unknown one is an error: a typo must not pass silently). */
  map(value: unknown, path: ConfigPath, known: readonly string[]): RawMap | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.error(path, 'must be a map');
      return undefined;
    }
    const m = value as RawMap;
    for (const k of Object.keys(m)) if (!known.includes(k)) this.error([...path, k], `unknown key (known: ${known.join(', ')})`);
    return m;
  }

  list(value: unknown, path: ConfigPath, max: number): unknown[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.error(path, 'must be a list');
      return undefined;
    }
    if (value.length > max) {
      this.error(path, `must have at most ${max} items`);
      return undefined;
    }
    return value;
  }

  string(value: unknown, path: ConfigPath, maxLength = 1024): string | undefined {
    if (value === undefined) return undefined;
    // YAML reads `9000` as a number; DN names and similar keep their text.
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value !== 'string' || value.trim() === '') {
      this.error(path, 'must be a non-empty string');
      return undefined;
    }
    if (value.length > maxLength) {
      this.error(path, `must be at most ${maxLength} characters`);
      return undefined;
    }
    return value.trim();
  }

  bool(value: unknown, path: ConfigPath): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.error(path, 'must be true or false');
      return undefined;
    }
    return value;
  }

  int(value: unknown, path: ConfigPath, min: number, max: number, unit = ''): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.error(path, `must be an integer ${min}..${max}${unit ? ` (${unit})` : ''}`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: ConfigPath, values: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      this.error(path, `must be one of ${values.join(', ')}`);
      return undefined;
    }
    return value as T;
  }

  /** A `sip:` or `sips:` URI with a host. */
  sipUri(value: unknown, path: ConfigPath): string | undefined {
    const s = this.string(value, path);
    if (s === undefined) return undefined;
    const u = parseUri(s);
    if (!u.ok || (u.value.scheme !== 'sip' && u.value.scheme !== 'sips') || !u.value.host) {
      this.error(path, `must be a SIP URI such as sip:127.0.0.1:5070 (got "${s}")`);
      return undefined;
    }
    return s;
  }
}
