/**
 * Keeps a Router's strategies in step with the configuration: compiled at start, recompiled when
 * the store's change feed reports a DN change (object put/delete, an annex option) or a reload —
 * local or from another process on PostgreSQL. Invalid sections are reported through `onIssues`
 * and leave their Routing Point without a strategy, never with a half-valid one.
 */
import type { ConfigObjects } from '../config/config-objects.ts';
import type { ChangeFeed } from '../store/change-feed.ts';
import { compileStrategies, type RoutingStrategy, type StrategyIssue } from './routing-strategy.ts';

/** What the watch needs of the store (ConfigStore satisfies it). */
export interface StrategySource {
  readonly changes: ChangeFeed;
  snapshot(): Pick<ConfigObjects, 'dns'>;
}

/** What the watch needs of the router (Router satisfies it). */
export interface StrategySink {
  setStrategies(strategies: ReadonlyMap<string, RoutingStrategy>): Promise<void>;
}

/** Compiles now, and again on every relevant change; returns the stop function. */
export function watchStrategies(source: StrategySource, router: StrategySink, onIssues: (issues: Array<StrategyIssue & { routingPoint: string }>) => void = () => undefined): { initial: Map<string, RoutingStrategy>; stop: () => void; recompiled: () => Promise<void> } {
  const compile = (): Map<string, RoutingStrategy> => {
    const { strategies, issues } = compileStrategies(source.snapshot().dns);
    if (issues.length > 0) onIssues(issues);
    return strategies;
  };
  const initial = compile();
  let chain: Promise<void> = Promise.resolve();
  const unsubscribe = source.changes.subscribe((c) => {
    if (c.kind === 'reload' || c.objectType === 'dns') {
      // Serialised: strategies are applied in the order the changes came.
      chain = chain.then(() => router.setStrategies(compile())).catch(() => undefined);
    }
  });
  return { initial, stop: unsubscribe, recompiled: () => chain };
}
