// Chats into the KW's UC client over IM: the chat's lines go to the KW's UC address, the KW's IMs
// (routed by sender through the real ImInbox) are its answers, one chat over IM per KW, bounded text,
// and the web client is tried first.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { firstReach, UC_IM_CHAT_TEXTS, UcImChatReach } from '../../../src/connector/uc-im-chat-reach.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import type { ChatEndpoint, ChatLeg, ChatLegInfo, ChatMessage } from '../../../src/switch/chat/chat-endpoint.ts';
import { ImInbox } from '../../../src/uc/shared/im-inbox.ts';
import { IM_MAX_TEXT_BYTES, imTextBytes, type UcInstantMessaging } from '../../../src/uc/instant-messages.ts';

const ALICE = 'sip:alice@example.test';

function platform() {
  const inbox = new ImInbox('sip:ucc@example.test', silentLogger);
  const sent: Array<{ to: string; text: string }> = [];
  const im: UcInstantMessaging = {
    address: 'sip:ucc@example.test', usable: true,
    send: async (to, text) => void sent.push({ to, text }),
    onMessageFrom: (s, h) => inbox.onMessageFrom(s, h),
  };
  const kwSays = (text: string) => inbox.receive({ from: `"Alice" <${ALICE}:5060>`, to: '<sip:ucc@example.test>', body: Buffer.from(text), contentType: 'text/plain' });
  return { inbox, im, sent, kwSays };
}

function fakeLeg(connId: string, history: ChatMessage[] = []) {
  const said: string[] = [];
  const leg: ChatLeg = {
    connId, dn: '7001',
    send: (text) => {
      said.push(String(text));
      return { ok: true, message: { connId, seq: 1, from: 'agent', sender: '7001', text: String(text), at: 0, phase: 'agent' } };
    },
    typing: () => undefined, leave: () => undefined, history: () => history,
  };
  return { leg, said };
}
const info = (connId: string): ChatLegInfo => ({ connId, dn: '7001', from: '9000', userData: [], consult: false });
const msg = (text: string, from: ChatMessage['from'] = 'customer'): ChatMessage => ({ connId: 'c1', seq: 1, from, sender: from === 'customer' ? 'sip:bob@x' : 'system', text, at: 0, phase: 'agent' });
const flush = () => new Promise<void>((r) => setImmediate(r));

describe('UcImChatReach', () => {
  test('lines go to the KW by IM, the KW’s IMs are its answers, the end gives IMs back to the earlier handler', async () => {
    const p = platform();
    const preview: string[] = [];
    p.im.onMessageFrom(ALICE, (m) => preview.push(m.text));
    const reach = new UcImChatReach({ im: p.im, contactOf: (dn) => (dn === '7001' ? ALICE : undefined) });
    const { leg, said } = fakeLeg('c1', [msg('earlier line')]);
    const ep = reach.open(leg, info('c1'));
    assert.ok(ep);
    ep.deliver(msg('hello <b>there</b>'));
    await flush();
    assert.deepEqual(p.sent.map((s) => s.text), [UC_IM_CHAT_TEXTS.opened('9000'), 'Customer: earlier line', 'Customer: hello <b>there</b>']);
    assert.ok(p.sent.every((s) => s.to === ALICE));
    assert.equal(p.kwSays('hi, how can I help?').status, 200);
    assert.deepEqual(said, ['hi, how can I help?']);
    assert.deepEqual(preview, []);
    ep.end('released');
    ep.deliver(msg('after the end'));
    await flush();
    assert.equal(p.sent.at(-1)?.text, UC_IM_CHAT_TEXTS.ended);
    assert.equal(p.kwSays('1').status, 200);
    assert.deepEqual(preview, ['1'], 'the preview invitations take the KW’s IMs again');
    assert.equal(reach.size, 0);
  });

  test('one chat over IM per KW; unknown or unusable KWs are not reachable', () => {
    const p = platform();
    const reach = new UcImChatReach({ im: p.im, contactOf: (dn) => (dn === '7001' ? ALICE : undefined) });
    assert.ok(reach.open(fakeLeg('c1').leg, info('c1')));
    assert.equal(reach.open(fakeLeg('c2').leg, info('c2')), undefined);
    assert.equal(reach.open(fakeLeg('c3').leg, { ...info('c3'), dn: '7002' }), undefined);
    const off = new UcImChatReach({ im: { ...p.im, usable: false }, contactOf: () => ALICE });
    assert.equal(off.open(fakeLeg('c4').leg, info('c4')), undefined);
  });

  test('a 1 MB line is cut to the IM bound', async () => {
    const p = platform();
    const ep = new UcImChatReach({ im: p.im, contactOf: () => ALICE }).open(fakeLeg('c1').leg, info('c1'));
    ep!.deliver(msg('é'.repeat(1_000_000)));
    await flush();
    const last = p.sent.at(-1)!.text;
    assert.ok(imTextBytes(last) <= IM_MAX_TEXT_BYTES && last.startsWith('Customer: éé'));
  });
});

describe('firstReach', () => {
  test('the web client first, the UC client when the web client cannot', () => {
    const web: ChatEndpoint = { deliver: () => undefined, typing: () => undefined, end: () => undefined };
    const im: ChatEndpoint = { deliver: () => undefined, typing: () => undefined, end: () => undefined };
    let webUp = true;
    const r = firstReach({ open: () => (webUp ? web : undefined) }, { open: () => im });
    assert.equal(r.open(fakeLeg('c1').leg, info('c1')), web);
    webUp = false;
    assert.equal(r.open(fakeLeg('c1').leg, info('c1')), im);
    assert.equal(firstReach().open(fakeLeg('c1').leg, info('c1')), undefined);
  });
});
