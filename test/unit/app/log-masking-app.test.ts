// Seed 004 3.13 on real log output: the whole app built with a debug logger, a customer call with
// UserData placed over T-Lib; the UserData values never reach the log (keys do) unless
// `[TServer] hide-sensitive-data` is false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../../src/app/build-app.ts';
import { parseConfigText } from '../../../src/config/config-loader.ts';
import { createLogger } from '../../../src/lib/logger.ts';

const SECRET = 'Ada-Lovelace-4111111111111111';

function yaml(hide: boolean): string {
  return `
switches: [{ name: SW }]
dns:
  - { number: "5000", type: Routing Point, switch: SW, annex: { router: { target-type: agent-group, target: Sales, selection: round-robin } } }
  - { number: "9000", type: Trunk, switch: SW }
agentGroups: [{ name: Sales, members: [] }]
applications:
  - { name: TS, type: tserver, switch: SW, options: { TServer: { router-timeout: 0, hide-sensitive-data: ${hide} } } }
  - { name: UCC, type: ucc, options: { uc-connector: { user-auto-registration: true } } }
listen: { tlib: 0, http: 0 }
`;
}

async function callLog(hide: boolean): Promise<string[]> {
  const loaded = parseConfigText(yaml(hide), 'mask.yaml', { hashPasswords: false });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  const lines: string[] = [];
  const app = await buildApp(loaded.value, { logger: createLogger('debug', {}, (l) => lines.push(l)) });
  try {
    const events: Array<Record<string, unknown>> = [];
    const client = app.tserver.attach((e) => events.push(e as Record<string, unknown>));
    client.request({ message: 'RequestRegisterAddress', ThisDN: '9000', ReferenceID: 1 } as never);
    client.request({ message: 'RequestMakeCall', ThisDN: '9000', OtherDN: '5000', UserData: [['CustomerSecret', SECRET], ['Ids', [['Card', '4111111111111111']]]], ReferenceID: 2 } as never);
    assert.ok(events.some((e) => e.message === 'EventDialing'), `the call is placed: ${JSON.stringify(events.map((e) => e.message))}`);
    client.close();
  } finally {
    await app.close();
  }
  return lines;
}

test('hide-sensitive-data (default true): T-Lib debug lines carry the UserData keys, never the values', async () => {
  const lines = await callLog(true);
  const tlib = lines.filter((l) => l.includes('"T-Lib request"') || l.includes('"T-Lib event"'));
  assert.ok(tlib.some((l) => l.includes('RequestMakeCall') && l.includes('"CustomerSecret"') && l.includes(`**** (length:${SECRET.length})`)), tlib.join('\n'));
  assert.ok(tlib.some((l) => l.includes('"T-Lib event"') && l.includes('"CustomerSecret"')), 'events with the call\'s UserData are logged too');
  for (const l of lines) {
    assert.ok(!l.includes(SECRET), `a UserData value leaked: ${l}`);
    assert.ok(!l.includes('4111111111111111'), `a nested UserData value leaked: ${l}`);
  }
});

test('hide-sensitive-data false: the UserData values appear in the debug log', async () => {
  const lines = await callLog(false);
  assert.ok(lines.some((l) => l.includes('RequestMakeCall') && l.includes(SECRET)), 'the request is logged in clear');
  assert.ok(lines.some((l) => l.includes('4111111111111111')));
});
