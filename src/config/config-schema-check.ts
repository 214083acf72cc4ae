/**
 * Pass 2 of loading, per file: the TypeBox schema of a configuration document (closed objects),
 * with each failure turned into a located issue that says what was expected.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import { ConfigDocumentSchema } from './config-document-schema.ts';
import type { FileCtx, IssueList, Seg } from './config-location.ts';

const MAX_SCHEMA_ERRORS = 200;

/** Checks one file's data; false (with the issues added) when it does not fit the schema. */
export function checkSchema(ctx: FileCtx, data: unknown, issues: IssueList): boolean {
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
    issues.error(ctx, segs, describeError(e));
    if (++count >= MAX_SCHEMA_ERRORS) break;
  }
  return count === 0;
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
