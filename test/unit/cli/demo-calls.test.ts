import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DemoCaller, DEMO_CUSTOMERS, demoUserData, type DemoCallPlaced } from '../../../src/cli/demo-calls.ts';
import { parseDemoArgs, tlibTarget } from '../../../src/cli/demo-command.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import type { TlibEvent, TlibRequest } from '../../../src/tlib/index.ts';

/** A scripted T-Lib port: answers each RequestMakeCall with a ConnID, records every request. */
function fakeTlib(fail: (r: TlibRequest) => boolean = () => false) {
  const requests: TlibRequest[] = [];
  let next = 1;
  return {
    requests,
    async request(r: TlibRequest): Promise<TlibEvent> {
      requests.push(r);
      if (fail(r)) throw new Error('refused');
      return { message: 'EventDialing', ConnID: `c${next++}` } as unknown as TlibEvent;
    },
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('demo case data', () => {
  test('rotates customers and account owners; values with markup characters are kept verbatim', () => {
    const first = new Map(demoUserData(0));
    const second = new Map(demoUserData(1));
    assert.notEqual(first.get('CustomerName'), second.get('CustomerName'));
    assert.equal(first.get('AccountOwner'), 'alice');
    assert.equal(second.get('AccountOwner'), 'bob');
    assert.equal(new Map(demoUserData(DEMO_CUSTOMERS.length)).get('CustomerName'), first.get('CustomerName'), 'the list wraps');
    const all = DEMO_CUSTOMERS.flatMap((_, i) => demoUserData(i).map(([, v]) => String(v))).join('\n');
    for (const ch of ['<', '&', '"', "'"]) assert.ok(all.includes(ch), `some value holds ${ch}`);
    for (const key of ['CustomerName', 'AccountNumber', 'Reason', 'Segment', 'LastContact', 'ANI']) assert.ok(first.has(key), key);
  });
});

describe('DemoCaller', () => {
  test('places the first call at once, then one per interval, from the trunk to the routing points in turn', async () => {
    const clock = new ManualClock();
    const tlib = fakeTlib();
    const placed: DemoCallPlaced[] = [];
    const caller = new DemoCaller({ tlib, clock, logger: silentLogger, routingPoints: ['8000', '8001'], trunk: 'trunk', intervalMs: 5000, callLifetimeMs: 0 });
    caller.onCall = (c) => placed.push(c);
    caller.start();
    await flush();
    assert.equal(tlib.requests.length, 1);
    clock.advance(4999);
    await flush();
    assert.equal(tlib.requests.length, 1, 'nothing before the interval');
    clock.advance(1);
    await flush();
    clock.advance(5000);
    await flush();
    caller.stop();
    clock.advance(60_000);
    await flush();
    assert.deepEqual(tlib.requests.map((r) => [r.message, (r as { ThisDN: string }).ThisDN, (r as { OtherDN: string }).OtherDN]), [
      ['RequestMakeCall', 'trunk', '8000'], ['RequestMakeCall', 'trunk', '8001'], ['RequestMakeCall', 'trunk', '8000'],
    ]);
    assert.deepEqual(placed.map((p) => p.connId), ['c1', 'c2', 'c3']);
    assert.ok((tlib.requests[0] as { UserData?: unknown }).UserData, 'the call carries case data');
  });

  test('the calls to one routing point name each account owner in turn', async () => {
    const clock = new ManualClock();
    const tlib = fakeTlib();
    const caller = new DemoCaller({ tlib, clock, logger: silentLogger, routingPoints: ['8000', '8001', '8003'], trunk: 'trunk', intervalMs: 1000, callLifetimeMs: 0 });
    caller.start();
    for (let i = 0; i < 9; i++) {
      await flush();
      clock.advance(1000);
    }
    await flush();
    caller.stop();
    const owners = tlib.requests
      .filter((r) => (r as { OtherDN?: string }).OtherDN === '8003')
      .map((r) => new Map((r as unknown as { UserData: Array<[string, string]> }).UserData).get('AccountOwner'));
    assert.deepEqual(owners.slice(0, 3), ['alice', 'bob', 'carol']);
  });

  test('the customer hangs up after callLifetimeMs (RequestReleaseCall from the trunk with the ConnID)', async () => {
    const clock = new ManualClock();
    const tlib = fakeTlib();
    const caller = new DemoCaller({ tlib, clock, logger: silentLogger, routingPoints: ['8000'], trunk: 'T1', intervalMs: 60_000, callLifetimeMs: 30_000 });
    caller.start();
    await flush();
    clock.advance(29_999);
    await flush();
    assert.equal(tlib.requests.length, 1);
    clock.advance(1);
    await flush();
    caller.stop();
    assert.deepEqual(tlib.requests[1], { message: 'RequestReleaseCall', ThisDN: 'T1', ConnID: 'c1' });
  });

  test('a refused call is reported and the next one is still placed; stop cancels pending hang-ups', async () => {
    const clock = new ManualClock();
    let refuse = true;
    const tlib = fakeTlib(() => refuse);
    const placed: DemoCallPlaced[] = [];
    const caller = new DemoCaller({ tlib, clock, logger: silentLogger, routingPoints: ['8000'], trunk: 'trunk', intervalMs: 1000, callLifetimeMs: 5000 });
    caller.onCall = (c) => placed.push(c);
    caller.start();
    await flush();
    refuse = false;
    clock.advance(1000);
    await flush();
    caller.stop();
    clock.advance(10_000);
    await flush();
    assert.equal(placed[0]?.error, 'refused');
    assert.equal(placed[1]?.connId, 'c1');
    assert.equal(tlib.requests.filter((r) => r.message === 'RequestReleaseCall').length, 0, 'no hang-up after stop');
  });

  test('rejects an empty routing point list and an interval under 100 ms', () => {
    const base = { tlib: fakeTlib(), clock: new ManualClock(), logger: silentLogger, trunk: 'trunk', callLifetimeMs: 0 };
    assert.throws(() => new DemoCaller({ ...base, routingPoints: [], intervalMs: 1000 }), RangeError);
    assert.throws(() => new DemoCaller({ ...base, routingPoints: ['8000'], intervalMs: 50 }), RangeError);
  });
});

describe('ucc demo arguments', () => {
  test('defaults, --interval in seconds, --to list, --from, --call-lifetime', () => {
    const d = parseDemoArgs([]);
    assert.ok(typeof d === 'object');
    assert.equal(d.intervalMs, 10_000);
    assert.deepEqual(d.routingPoints, ['8000', '8001', '8003']);
    assert.equal(d.trunk, 'trunk');
    assert.ok(d.file.endsWith('demo.yaml'));
    const p = parseDemoArgs(['--interval', '2.5', '--to', '8002, 8000', '--from', '9000', '--call-lifetime', '0', '--log-level', 'warn']);
    assert.ok(typeof p === 'object');
    assert.deepEqual([p.intervalMs, p.routingPoints, p.trunk, p.callLifetimeMs, p.level], [2500, ['8002', '8000'], '9000', 0, 'warn']);
  });
  test('bad values are clear errors', () => {
    for (const args of [['--interval', '0'], ['--interval', 'x'], ['--to', ','], ['--bogus', '1'], ['--interval'], ['--call-lifetime', '-1'], ['--log-level', 'loud']]) {
      const r = parseDemoArgs(args);
      assert.ok(typeof r === 'string' && r.startsWith('ucc demo:'), `${args.join(' ')} → ${String(r)}`);
    }
    assert.equal(parseDemoArgs(['--help']), 'help');
  });
  test('tlibTarget turns the listen address into where a client connects', () => {
    assert.deepEqual(tlibTarget('tcp://127.0.0.1:7000'), { host: '127.0.0.1', port: 7000 });
    assert.deepEqual(tlibTarget('tcp://0.0.0.0:7000'), { host: '127.0.0.1', port: 7000 });
    assert.equal(tlibTarget('http://x'), undefined);
  });
});
