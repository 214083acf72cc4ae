/**
 * The preview protocol: frames → PreviewFrameDecoder (framing + the message codec, both directions
 * accepted). Crash: an exception out of the decoder, or a decoded message that does not survive
 * encode + decode unchanged. Documented outcomes: a message, or a typed PreviewDecodeError.
 */
import { decodePreviewPayload, encodePreviewPayload, PreviewFrameDecoder, type PreviewMessage } from '../../../src/preview/index.ts';
import type { FuzzTarget } from '../engine.ts';
import { chunks, type Mutator, type Rand } from '../mutators.ts';
import { framedCorpus, generateFramedJson, type FramedJsonSeeds } from './framed-json-cases.ts';

const CONN = '00000000000000a1';
const UD = [['Customer', 'Анна 😀'], ['n', 3], ['nested', [['k', 'v']]]];

export function previewSeedMessages(): PreviewMessage[] {
  return [
    { message: 'PreviewInteractionRequest', ReferenceID: 1, agent: 'A7001', connId: CONN, dn: '5000', mediaType: 'voice', switch: 'SW', userData: UD, timeout: 15000, fence: 3 },
    { message: 'PreviewInteractionRequest', ReferenceID: 2, agent: 'sip:alice@lab', connId: CONN, dn: 'RP1', mediaType: 'chat', switch: 'SW', userData: [] },
    { message: 'PreviewInteractionMultiple', ReferenceID: 3, connId: CONN, dn: '5000', mediaType: 'chat', switch: 'SW', userData: UD, targets: 'a^b^c', timeout: 5000, fences: '1^2^3' },
    { message: 'PreviewInteractionMultiple', ReferenceID: 4, connId: CONN, dn: '5000', mediaType: 'voice', switch: 'SW', userData: [], targets: 'alice' },
    { message: 'PreviewInteractionCancel', ReferenceID: 5, connId: CONN, reason: 'abandoned' },
    { message: 'PreviewInteractionCancel', ReferenceID: 6, connId: CONN },
    { message: 'PreviewInteractionResult', ReferenceID: 1, connId: CONN, result: 'accepted', agent: 'A7001', dn: '7001', fence: 9 },
    { message: 'PreviewInteractionResult', ReferenceID: 3, connId: CONN, result: 'redirected', dn: '+15551234', reason: 'external' },
    { message: 'PreviewInteractionResult', ReferenceID: 5, connId: CONN, result: 'timeout' },
    { message: 'PreviewRegisterClient', ReferenceID: 1, ApplicationName: 'router', ApplicationPassword: 's3cret' },
    { message: 'PreviewClientRegistered', ReferenceID: 1, ApplicationName: 'router' },
  ] as PreviewMessage[];
}

const KEYS = ['message', 'ReferenceID', 'agent', 'connId', 'dn', 'mediaType', 'switch', 'userData', 'targets', 'timeout', 'reason', 'result', 'fence', 'fences', 'ApplicationName', 'ApplicationPassword'];

export function previewTarget(): FuzzTarget {
  const seeds: FramedJsonSeeds = { messages: previewSeedMessages(), raw: [], keys: KEYS, maxFrameBytes: 64 * 1024 };
  const corpus = framedCorpus(seeds);
  let decoder = new PreviewFrameDecoder({ accept: 'any', maxFrameBytes: seeds.maxFrameBytes });
  return {
    name: 'preview',
    corpus,
    generate: (m: Mutator) => generateFramedJson(m, seeds, corpus),
    run(input: Buffer, rand: Rand): string {
      let label = 'partial-frame';
      for (const chunk of chunks(rand, input)) {
        for (const f of decoder.push(chunk)) {
          if (!f.ok) {
            if (f.error.detail.length === 0) throw new Error(`decode error without detail: ${f.error.problem}`);
            if (label === 'partial-frame') label = `decode:${f.error.problem}`;
            continue;
          }
          const again = decodePreviewPayload(encodePreviewPayload(f.value));
          // Compared as JSON: -0 in a value is written as 0, which is the same number on the wire.
          if (!again.ok || JSON.stringify(again.value) !== JSON.stringify(f.value)) {
            throw new Error(`round trip changed ${f.value.message}: ${again.ok ? JSON.stringify(again.value).slice(0, 300) : again.error.detail}`);
          }
          if (label === 'partial-frame') label = `ok:${f.value.message}`;
        }
      }
      if (decoder.failed) decoder = new PreviewFrameDecoder({ accept: 'any', maxFrameBytes: seeds.maxFrameBytes });
      return label;
    },
  };
}
