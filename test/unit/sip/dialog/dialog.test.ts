import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog, DialogCreationError } from '../../../../src/sip/dialog/dialog.ts';
import { DIALOG_TRANSITIONS } from '../../../../src/sip/dialog/dialog-state.ts';
import type { DialogState } from '../../../../src/sip/dialog/dialog-state.ts';
import { applyRouteSet } from '../../../../src/sip/dialog/route-set.ts';
import { createRequest, createResponse, parseNameAddr } from '../../../../src/sip/message/index.ts';
import type { NameAddr } from '../../../../src/sip/message/sip-message.ts';
import { InvalidStateTransitionError } from '../../../../src/lib/errors.ts';

const invite = () => createRequest({
  method: 'INVITE',
  uri: 'sip:bob@example.test',
  headers: {
    Via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1',
    From: '"Alice" <sip:alice@example.test>;tag=a1',
    To: '<sip:bob@example.test>',
    'Call-ID': 'c1',
    CSeq: '10 INVITE',
    Contact: '<sip:alice@10.0.0.1:5060>',
    'Record-Route': ['<sip:p1.example.test;lr>', '<sip:p2.example.test;lr>'],
  },
});

const ok200 = (status = 200) => createResponse({
  status,
  headers: {
    Via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1',
    From: '"Alice" <sip:alice@example.test>;tag=a1',
    To: '<sip:bob@example.test>;tag=b1',
    'Call-ID': 'c1',
    CSeq: '10 INVITE',
    Contact: '<sip:bob@10.0.0.2:5062>',
    'Record-Route': ['<sip:p1.example.test;lr>', '<sip:p2.example.test;lr>'],
  },
});

const na = (s: string): NameAddr => {
  const r = parseNameAddr(s);
  assert.ok(r.ok);
  return r.value;
};

describe('Dialog creation (RFC 3261 section 12.1)', () => {
  test('UAC: id = (Call-ID, From tag, To tag), route set = Record-Route reversed, target = Contact, state confirmed on 2xx', () => {
    const d = Dialog.createUac(invite(), ok200());
    assert.deepEqual(d.id, { callId: 'c1', localTag: 'a1', remoteTag: 'b1' });
    assert.deepEqual(d.routeSet.map((r) => r.uri.host), ['p2.example.test', 'p1.example.test']);
    assert.equal(d.remoteTarget, 'sip:bob@10.0.0.2:5062');
    assert.equal(d.localSeq, 10);
    assert.equal(d.remoteSeq, undefined);
    assert.equal(d.state, 'confirmed');
  });

  test('UAC: a 1xx with a To tag creates an early dialog', () => {
    assert.equal(Dialog.createUac(invite(), ok200(180)).state, 'early');
  });

  test('UAS: id = (Call-ID, our To tag, From tag), route set in order, remote CSeq set, local CSeq empty', () => {
    const d = Dialog.createUas(invite(), 'b1');
    assert.deepEqual(d.id, { callId: 'c1', localTag: 'b1', remoteTag: 'a1' });
    assert.deepEqual(d.routeSet.map((r) => r.uri.host), ['p1.example.test', 'p2.example.test']);
    assert.equal(d.remoteTarget, 'sip:alice@10.0.0.1:5060');
    assert.equal(d.remoteSeq, 10);
    assert.equal(d.localSeq, undefined);
    assert.equal(d.localUri.params.tag, 'b1');
  });

  test('UAS: the first in-dialog request picks an initial CSeq; later ones increment', () => {
    const d = Dialog.createUas(invite(), 'b1');
    const bye = d.createRequest('BYE');
    assert.equal(bye.headers.get('CSeq'), '1 BYE');
    assert.equal(d.createRequest('INFO').headers.get('CSeq'), '2 INFO');
  });

  const bad: Array<{ name: string; req: () => ReturnType<typeof invite>; res: () => ReturnType<typeof ok200> }> = [
    { name: 'response without To tag', req: invite, res: () => { const r = ok200(); r.headers.set('To', '<sip:bob@example.test>'); return r; } },
    { name: 'response without Contact', req: invite, res: () => { const r = ok200(); r.headers.delete('Contact'); return r; } },
    { name: 'request without From tag', req: () => { const q = invite(); q.headers.set('From', '<sip:alice@example.test>'); return q; }, res: ok200 },
  ];
  for (const b of bad) {
    test(`UAC creation refuses a ${b.name} with DialogCreationError`, () => {
      assert.throws(() => Dialog.createUac(b.req(), b.res()), DialogCreationError);
    });
  }
});

describe('in-dialog requests (RFC 3261 section 12.2.1.1)', () => {
  test('loose routing: Request-URI = remote target, Route = route set, tags and CSeq+1', () => {
    const d = Dialog.createUac(invite(), ok200());
    const bye = d.createRequest('BYE');
    assert.equal(bye.uri, 'sip:bob@10.0.0.2:5062');
    assert.deepEqual(bye.headers.getAll('Route'), ['<sip:p2.example.test;lr>', '<sip:p1.example.test;lr>']);
    assert.equal(na(bye.headers.get('From')!).params.tag, 'a1');
    assert.equal(na(bye.headers.get('To')!).params.tag, 'b1');
    assert.equal(bye.headers.get('Call-ID'), 'c1');
    assert.equal(bye.headers.get('CSeq'), '11 BYE');
  });

  test('ACK reuses the INVITE CSeq number without incrementing', () => {
    const d = Dialog.createUac(invite(), ok200());
    assert.equal(d.createRequest('ACK', { cseq: 10 }).headers.get('CSeq'), '10 ACK');
    assert.equal(d.createRequest('BYE').headers.get('CSeq'), '11 BYE');
  });

  test('strict routing: Request-URI = first route, Route = rest + remote target', () => {
    const r = applyRouteSet('sip:bob@10.0.0.2', [na('<sip:strict.example.test;method=INVITE>'), na('<sip:p2.example.test;lr>')]);
    assert.equal(r.requestUri, 'sip:strict.example.test');
    assert.deepEqual(r.routes, ['<sip:p2.example.test;lr>', '<sip:bob@10.0.0.2>']);
  });

  test('no route set: Request-URI = remote target and no Route', () => {
    assert.deepEqual(applyRouteSet('sip:bob@10.0.0.2', []), { requestUri: 'sip:bob@10.0.0.2', routes: [] });
  });

  test('target refresh requests carry our Contact; others do not', () => {
    const d = Dialog.createUac(invite(), ok200(), 'sip:alice@10.0.0.1:5060');
    assert.equal(d.createRequest('SUBSCRIBE').headers.get('Contact'), '<sip:alice@10.0.0.1:5060>');
    assert.equal(d.createRequest('BYE').headers.get('Contact'), undefined);
  });

  test('a terminated dialog refuses to build requests', () => {
    const d = Dialog.createUac(invite(), ok200());
    d.terminate('bye');
    assert.throws(() => d.createRequest('BYE'), InvalidStateTransitionError);
  });
});

describe('incoming in-dialog requests (RFC 3261 section 12.2.2)', () => {
  const inDialog = (method: string, seq: number, contact?: string) => createRequest({
    method,
    uri: 'sip:alice@10.0.0.1',
    headers: {
      From: '<sip:bob@example.test>;tag=b1', To: '<sip:alice@example.test>;tag=a1', 'Call-ID': 'c1', CSeq: `${seq} ${method}`,
      ...(contact ? { Contact: `<${contact}>` } : {}),
    },
  });

  const rows: Array<{ name: string; seqs: number[]; expect: Array<boolean> }> = [
    { name: 'first request sets the remote CSeq', seqs: [5], expect: [true] },
    { name: 'increasing CSeq accepted', seqs: [5, 6, 9], expect: [true, true, true] },
    { name: 'lower CSeq MUST be rejected with 500', seqs: [5, 4], expect: [true, false] },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const d = Dialog.createUac(invite(), ok200());
      const got = row.seqs.map((s) => d.receiveRequest(inDialog('INFO', s)));
      assert.deepEqual(got.map((g) => g.ok), row.expect);
      const last = got.at(-1)!;
      if (!last.ok) assert.equal(last.status, 500);
    });
  }

  test('re-INVITE, UPDATE and NOTIFY with Contact refresh the remote target; INFO does not', () => {
    const d = Dialog.createUac(invite(), ok200());
    const seen: string[] = [];
    d.on('targetRefresh', (t) => seen.push(t));
    d.receiveRequest(inDialog('INFO', 1, 'sip:bob@10.9.9.9'));
    assert.equal(d.remoteTarget, 'sip:bob@10.0.0.2:5062');
    d.receiveRequest(inDialog('INVITE', 2, 'sip:bob@10.0.0.3'));
    d.receiveRequest(inDialog('UPDATE', 3, 'sip:bob@10.0.0.4'));
    d.receiveRequest(inDialog('NOTIFY', 4, 'sip:bob@10.0.0.5'));
    assert.deepEqual(seen, ['sip:bob@10.0.0.3', 'sip:bob@10.0.0.4', 'sip:bob@10.0.0.5']);
    assert.equal(d.createRequest('BYE').uri, 'sip:bob@10.0.0.5');
  });

  test('a 2xx to our target refresh request refreshes the remote target; the route set never changes', () => {
    const d = Dialog.createUac(invite(), ok200());
    const reinvite = d.createRequest('INVITE');
    const res = ok200();
    res.headers.set('Contact', '<sip:bob@10.0.0.7>');
    res.headers.set('Record-Route', '<sip:other.example.test;lr>');
    d.receiveResponse(reinvite, res);
    assert.equal(d.remoteTarget, 'sip:bob@10.0.0.7');
    assert.deepEqual(d.routeSet.map((r) => r.uri.host), ['p2.example.test', 'p1.example.test']);
  });

  test('matchesRequest checks Call-ID and both tags', () => {
    const d = Dialog.createUac(invite(), ok200());
    assert.equal(d.matchesRequest(inDialog('BYE', 1)), true);
    const other = inDialog('BYE', 1);
    other.headers.set('From', '<sip:bob@example.test>;tag=zz');
    assert.equal(d.matchesRequest(other), false);
  });
});

describe('Dialog state machine (every edge of DIALOG_TRANSITIONS)', () => {
  const all: DialogState[] = ['early', 'confirmed', 'terminated'];
  for (const from of all) {
    for (const to of all) {
      const legal = DIALOG_TRANSITIONS[from].includes(to);
      test(`${from} -> ${to} is ${legal ? 'allowed' : 'refused'}`, () => {
        const d = Dialog.createUac(invite(), ok200(180));
        if (from === 'confirmed') d.transition('confirmed', 'setup');
        if (from === 'terminated') d.transition('terminated', 'setup');
        const changes: string[] = [];
        d.on('stateChange', (s, p) => changes.push(`${p}->${s}`));
        if (legal) {
          d.transition(to, 'test');
          assert.deepEqual(changes, [`${from}->${to}`]);
        } else {
          assert.throws(() => d.transition(to, 'test'), InvalidStateTransitionError);
          assert.equal(d.state, from);
        }
      });
    }
  }
});
