/**
 * axe-core in Chromium: the WCAG 2.0/2.1 A and AA rules on one part of a page. The page's context
 * must be opened with `bypassCSP: true`, because axe-core is injected as an inline script, which
 * the client's CSP refuses.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** The page's global as the evaluated functions see it (the server tsconfig has no DOM types). */
interface AxeWindow {
  axe?: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> };
}

/** Runs axe-core on `selector`; returns the violations. */
export async function axeViolations(page: Page, selector: string): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => (globalThis as unknown as AxeWindow).axe !== undefined))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async (sel) => {
    const r = await (globalThis as unknown as AxeWindow).axe!.run(sel, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  }, selector);
}

/** Fails with the violations listed when axe-core finds any on `selector`. */
export async function assertAccessible(page: Page, selector: string, where: string): Promise<void> {
  const v = await axeViolations(page, selector);
  assert.deepEqual(v, [], `${where}: WCAG 2.1 AA violations:\n${JSON.stringify(v, null, 2)}`);
}
