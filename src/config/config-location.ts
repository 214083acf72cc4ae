/**
 * Where a configuration value came from (its file and document path) and the issue list every
 * loading pass writes to: each error or warning is located at the line of the value it is about.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { type ConfigIssue, formatPath } from './config-issue.ts';

/** One parsed file: its name as shown in messages, the YAML document and its line counter. */
export interface FileCtx {
  file: string;
  doc: Document;
  lc: LineCounter;
}

/** A document path segment: a map key or a list index. */
export type Seg = string | number;

/** A value with the file and document path it came from. */
export interface Located<T> {
  value: T;
  ctx: FileCtx;
  at: Seg[];
}

/** The errors and warnings of one load, in the order found. */
export class IssueList {
  readonly issues: ConfigIssue[] = [];

  error(ctx: FileCtx, at: Seg[], message: string): void {
    this.issues.push({ severity: 'error', file: ctx.file, line: lineOf(ctx, at), path: formatPath(at), message });
  }

  warn(ctx: FileCtx, at: Seg[], message: string): void {
    this.issues.push({ severity: 'warning', file: ctx.file, line: lineOf(ctx, at), path: formatPath(at), message });
  }

  /** An error about a whole file or a line of it (syntax, size), with no document path. */
  fileError(file: string, line: number, message: string): void {
    this.issues.push({ severity: 'error', file, line, path: '', message });
  }

  /** `file:line` of a located value (or of its `field`). */
  where(l: Located<unknown>, field?: string): string {
    return `${l.ctx.file}:${lineOf(l.ctx, field ? [...l.at, field] : l.at)}`;
  }

  hasErrors(): boolean {
    return this.issues.some((i) => i.severity === 'error');
  }
}

/**
 * The line of the deepest node on the path: a map entry's key line (so an unknown key or a bad
 * value points at its own line), or a list item's first line. Missing nodes fall back to the parent.
 */
export function lineOf(ctx: FileCtx, at: Seg[]): number {
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

export function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
