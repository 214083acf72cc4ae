/**
 * Issue 5 proof on SQLite: 10,000 randomised preview races with two routers contending, no double
 * winner (the suite and what it checks: test/support/preview-race-property.ts).
 */
import { previewRaceSuite } from '../../support/preview-race-property.ts';

previewRaceSuite('sqlite');
