/**
 * SIP over TCP: byte streams of 1-3 messages (mutated as bytes and as SIP text, keep-alive CRLFs
 * between them) → StreamFramer (Content-Length framing + the parser), in random chunks, on a
 * long-lived framer as a connection has. Crash: an exception out of the framer; a header accessor
 * throwing on a message the framer returned (documented never to throw on a parsed message); a
 * parsed message that does not serialize and parse again; the framer holding more than its limit.
 * Documented outcomes: a message, a ping/pong, or a typed SipParseError (fatal or not).
 */
import { readdirSync, readFileSync } from 'node:fs';
import {
  DEFAULT_SIP_LIMITS, getCallId, getContacts, getContentType, getCSeq, getExpires, getFrom, getRoutes, getTo, getVias, parseMessage, serializeMessage, StreamFramer,
} from '../../../src/sip/message/index.ts';
import type { SipMessage } from '../../../src/sip/message/index.ts';
import type { FuzzTarget } from '../engine.ts';
import { chunks, type Mutator, type Rand } from '../mutators.ts';

/** Every .sip file of test/fixtures/sip (valid messages, RFC 4475-style torture tests, bad ones). */
function sipFixtures(): Buffer[] {
  const dir = new URL('../../../test/fixtures/sip/', import.meta.url);
  return readdirSync(dir).filter((f) => f.endsWith('.sip')).sort().map((f) => readFileSync(new URL(f, dir)));
}

const COMPACT: ReadonlyArray<[RegExp, string]> = [[/^Via:/m, 'v:'], [/^From:/m, 'f:'], [/^To:/m, 't:'], [/^Call-ID:/m, 'i:'], [/^Content-Length:/m, 'l:'], [/^Contact:/m, 'm:'], [/^Content-Type:/m, 'c:']];

/** SIP-aware text mutations: the places a SIP parser gets wrong. */
function sipMutate(m: Mutator, input: Buffer): Buffer {
  let text = input.toString('latin1');
  switch (m.int(9)) {
    case 0: {
      const v = m.pick(['0', '-1', '99999999999', '4294967296', String(m.int(100_000)), 'abc', '', ' 5 ', String(m.int(80)), '1e3', '0x10']);
      text = text.replace(/^(Content-Length|l)[ \t]*:[^\r]*/im, `$1: ${v}`);
      break;
    }
    case 1: { // drop or duplicate a line
      const lines = text.split('\r\n');
      const i = m.int(lines.length);
      if (m.chance(0.5)) lines.splice(i, 1);
      else lines.splice(i, 0, lines[i] ?? '');
      text = lines.join('\r\n');
      break;
    }
    case 2: { // a very long header
      const lines = text.split('\r\n');
      lines.splice(1, 0, `X-Long: ${m.pick(['a', ',', ';', '"', ' ', '<', '\\'])}`.padEnd(100 + m.int(20_000), m.pick(['a', ',', ';', '"', ' '])));
      text = lines.join('\r\n');
      break;
    }
    case 3: { // folding
      const at = text.indexOf('\r\n', m.int(text.length));
      if (at > 0) text = text.slice(0, at) + m.pick(['\r\n ', '\r\n\t', '\n', '\r', '\r\n\r\n']) + text.slice(at + 2);
      break;
    }
    case 4: { // many headers
      const extra = Array.from({ length: 1 + m.int(300) }, (_, i) => (m.chance(0.5) ? `X-H${i}: v` : `Route: <sip:p${i};lr>`));
      const at = text.indexOf('\r\n');
      text = text.slice(0, at + 2) + extra.join('\r\n') + '\r\n' + text.slice(at + 2);
      break;
    }
    case 5: { // compact forms and case games
      const [re, short] = m.pick(COMPACT);
      text = m.chance(0.5) ? text.replace(re, short) : text.replace(re, (s) => s.toUpperCase());
      break;
    }
    case 6: { // the start line
      const sp = text.indexOf('\r\n');
      const line = m.pick(['INVITE sip:a@b SIP/3.0', 'SIP/2.0 99999 OK', 'SIP/2.0 200', 'INVITE  sip:a@b  SIP/2.0', 'INVITE <sip:a@b> SIP/2.0', 'ÿ sip:a SIP/2.0', 'OPTIONS * SIP/2.0', 'SIP/2.0 180 ' + 'R'.repeat(m.int(5000))]);
      text = line + text.slice(Math.max(0, sp));
      break;
    }
    case 7: { // parameters galore
      text = text.replace(/;branch=/i, ';' + 'p=1;'.repeat(1 + m.int(2000)) + 'branch=');
      break;
    }
    default: { // quoted strings and escapes
      text = text.replace(/^(From|To|Contact):/im, `$1: "${'\\'.repeat(m.int(50))}${m.pick(['"', '', '\\"'])}" `);
    }
  }
  return Buffer.from(text, 'latin1');
}

export function sipStreamTarget(): FuzzTarget {
  const corpus = sipFixtures();
  let framer = new StreamFramer();
  const check = (msg: SipMessage): void => {
    // Documented not to throw on a parsed message.
    getVias(msg); getFrom(msg); getTo(msg); getCSeq(msg); getCallId(msg); getContacts(msg); getRoutes(msg, 'Route'); getRoutes(msg, 'Record-Route'); getExpires(msg); getContentType(msg);
    const again = parseMessage(serializeMessage(msg), { maxMessageBytes: 2 * DEFAULT_SIP_LIMITS.maxMessageBytes, maxHeaderLineBytes: 2 * DEFAULT_SIP_LIMITS.maxHeaderLineBytes, maxHeaders: 2 * DEFAULT_SIP_LIMITS.maxHeaders });
    if (!again.ok) throw new Error(`a framed message does not parse after serialize: ${again.error.kind} ${again.error.message}`);
  };
  return {
    name: 'sip-stream',
    corpus,
    generate(m: Mutator): Buffer {
      const n = m.chance(0.6) ? 1 : 2 + m.int(2);
      const parts: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        let b = m.pick(corpus);
        if (m.chance(0.5)) b = sipMutate(m, b);
        if (m.chance(0.6)) b = m.bytes(b, corpus);
        if (m.chance(0.1)) parts.push(Buffer.from(m.pick(['\r\n', '\r\n\r\n', '\r\n\r\n\r\n', '\n'])));
        parts.push(b);
      }
      return Buffer.concat(parts);
    },
    run(input: Buffer, rand: Rand): string {
      let label = 'partial';
      for (const chunk of chunks(rand, input)) {
        for (const o of framer.push(chunk)) {
          if (o.type === 'message') check(o.message);
          else if (o.type === 'error' && o.fatal) framer = new StreamFramer(); // the transport closes the connection
          if (label === 'partial') label = o.type === 'error' ? `${o.fatal ? 'fatal' : 'error'}:${o.error.kind}` : o.type === 'message' ? `message:${o.message.kind}` : o.type;
        }
        if (framer.bufferedBytes > DEFAULT_SIP_LIMITS.maxMessageBytes) throw new Error(`framer holds ${framer.bufferedBytes} bytes`);
      }
      // A connection sometimes ends between cases.
      if (rand() < 0.05) framer.reset();
      return label;
    },
  };
}
