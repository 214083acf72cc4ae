/** The reporting role: offer ledger, agent-state history and the preview reporting user events (docs/reporting.md). */
export * from './preview-report.ts';
export * from './preview-reporter.ts';
export * from './preview-reporting-options.ts';
export * from './offer-ledger.ts';
export * from './agent-state-history.ts';
export * from './reporting-migrations.ts';
