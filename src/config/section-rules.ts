/**
 * Rules that span several options of one section, checked at load (so `ucc check-config` reports
 * them with file:line) and again by the role that compiles the section. Per-option kinds are the
 * option table's; a rule reads only values that parse and leaves kind errors to the table.
 */
import type { OptionValue } from './config-objects.ts';
import { defaultOptionTable } from './option-table.ts';
import { parseOptionValue } from './option-value.ts';

/** One problem, naming the option it is reported on. */
export interface SectionRuleIssue {
  option: string;
  message: string;
}

export type SectionRule = (options: Readonly<Record<string, OptionValue>>) => SectionRuleIssue[];

/** The value of an option of `section` if set and valid, else its default. */
function valueOf(section: string, options: Readonly<Record<string, OptionValue>>, name: string): unknown {
  const spec = defaultOptionTable.find(section, name);
  if (!spec) return undefined;
  const raw = options[name];
  if (raw === undefined) return spec.default;
  const parsed = parseOptionValue(spec.kind, raw);
  return parsed.ok ? parsed.value : spec.default;
}

/** `[router]` on a Routing Point (docs/router.md): whom to target and how to select must fit together. */
export const routerSectionRule: SectionRule = (options) => {
  const issues: SectionRuleIssue[] = [];
  const targetType = String(valueOf('router', options, 'target-type'));
  const target = String(valueOf('router', options, 'target') ?? '').trim();
  const selection = String(valueOf('router', options, 'selection'));
  const preview = valueOf('router', options, 'preview') === true;
  if (target === '') issues.push({ option: 'target', message: `is required (the ${targetType === 'agent-group' ? 'agent group name' : targetType === 'kw' ? "KW's user name" : 'UserData key'})` });
  if (targetType === 'kw' || targetType === 'userdata') {
    if (options['selection'] !== undefined && selection !== 'targeted') issues.push({ option: 'selection', message: `must be targeted when target-type is ${targetType}` });
  } else if (selection === 'targeted') {
    issues.push({ option: 'selection', message: 'targeted needs target-type kw or userdata; an agent group takes round-robin, longest-idle or broadcast' });
  } else if (selection === 'broadcast' && !preview) {
    issues.push({ option: 'selection', message: 'broadcast needs preview = true (the first to accept wins)' });
  }
  return issues;
};

/** Rules by section name (lower case). */
export const sectionRules: Readonly<Record<string, SectionRule>> = { router: routerSectionRule };
