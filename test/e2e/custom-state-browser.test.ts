/**
 * Issue 6, custom states in real Chromium: the whole app (buildApp, standalone presence) with a
 * presence definition at `presence-location`; the KW picks a custom state from the menu in the
 * client and sees the indicator show its statusText, while the KW view over REST shows the agent
 * state, work mode and reason the state defines. Stops everything it starts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { E2eApp, ensureClientBuilt, kwView, makeReady, openKw, waitForKw, launchChromium } from '../support/e2e-app.ts';

const DEFINITION = `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="http://genesyslab.com/schemas/ucc/presence">
  <state id="lunch" icon="tag:ucc.genesyslab.com,2013:icons/status/notready">
    <display><menuText>Go to lunch</menuText><statusText>At lunch</statusText></display>
    <display language="fr"><menuText>Aller déjeuner</menuText><statusText>Au déjeuner</statusText></display>
    <genesysAgent ready="false" mode="away"><reason>lunch</reason></genesysAgent>
  </state>
  <state id="back" icon="tag:ucc.genesyslab.com,2013:icons/status/ready">
    <display><menuText>Back to work</menuText><statusText>Working</statusText></display>
    <genesysAgent ready="true"/>
  </state>
</presence>
`;

describe('custom states in Chromium (issue 6)', () => {
  let browser: Browser;
  let dir: string;

  before(async () => {
    await ensureClientBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ucc-custom-states-'));
    writeFileSync(join(dir, 'presence.xml'), DEFINITION);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the menu shows the definition in the KW language; selecting a state changes the indicator and the agent state', async () => {
    const app = await E2eApp.start({ 'presence-location': join(dir, 'presence.xml') });
    try {
      const alice = await openKw(browser, app.base, 'alice', 'en-US');
      try {
        const page = alice.page;
        await makeReady(alice, app.base);
        // The custom states are a group of the one state control (a select).
        const menu = page.getByTestId('custom-state-menu');
        await menu.waitFor({ state: 'attached', timeout: 15_000 });
        const options = menu.getByTestId('custom-state-option');
        assert.deepEqual(await options.allTextContents(), ['Go to lunch', 'Back to work']);
        assert.equal(await options.first().getAttribute('data-icon'), 'tag:ucc.genesyslab.com,2013:icons/status/notready');

        await page.getByTestId('state-menu').selectOption('custom:lunch');
        const v = (await waitForKw(alice, app.base, 'NotReady at lunch', (x) => x.agentState === 'NotReady', 15_000)) as unknown as { workMode: string | null; reasons: Record<string, unknown> };
        assert.equal(v.workMode, 'WalkAway');
        assert.deepEqual(v.reasons, { ReasonCode: 'lunch' });
        await page.locator('[data-testid="state-indicator"][data-display-state="lunch"]').waitFor({ timeout: 15_000 });
        assert.equal((await page.getByTestId('state-indicator').textContent())?.trim(), 'At lunch');
        assert.equal(await page.getByTestId('state-menu').inputValue(), 'custom:lunch', 'the control shows the selected state');
        await alice.shot('custom-state-lunch');

        await page.getByTestId('state-menu').selectOption('custom:back');
        await waitForKw(alice, app.base, 'Ready again', (x) => x.agentState === 'Ready', 15_000);
        await page.locator('[data-testid="state-indicator"][data-display-state="back"]').waitFor({ timeout: 15_000 });
        assert.equal((await page.getByTestId('state-indicator').textContent())?.trim(), 'Working');
        assert.equal((await kwView(alice, app.base)).agentState, 'Ready', 'the selected state holds');
        // Another KW whose browser prefers French gets the French menuText where the definition has one.
        const bob = await openKw(browser, app.base, 'bob', 'fr-FR');
        try {
          await bob.page.getByTestId('custom-state-menu').waitFor({ state: 'attached', timeout: 15_000 });
          assert.deepEqual(await bob.page.getByTestId('custom-state-option').allTextContents(), ['Aller déjeuner', 'Back to work']);
        } finally {
          await bob.context.close().catch(() => undefined);
        }
        assert.deepEqual(alice.errors, []);
        assert.deepEqual(alice.dialogs, []);
      } finally {
        await alice.context.close().catch(() => undefined);
      }
    } finally {
      await app.stop();
    }
  });
});
