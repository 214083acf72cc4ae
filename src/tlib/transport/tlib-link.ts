/**
 * One T-Lib connection over a byte stream (TCP socket, TLS socket or in-memory endpoint) or an
 * in-process message pipe: frames
 * outgoing messages, decodes incoming bytes with a {@link FrameDecoder}, and reports messages,
 * per-frame decode errors and the close (with its reason) on a typed emitter. Both the client and
 * the server sessions sit on a link. The stream handling is the shared {@link FramedJsonLink}.
 */
import { FramedJsonLink } from '../../lib/framed-json/framed-json-link.ts';
import type { FramedJsonLinkEvents, LinkCarrier } from '../../lib/framed-json/framed-json-link.ts';
import { FrameDecoder, defaultMaxFrameBytes, encodeFrame } from '../codec/frame-codec.ts';
import { parseMessage } from '../codec/message-codec.ts';
import type { AcceptKind } from '../codec/message-codec.ts';
import type { TlibDecodeError } from '../codec/decode-error.ts';
import type { TlibMessage } from '../messages/message-catalogue.ts';

/** Events of a {@link TlibLink}: `message`, `decodeError` (if `error.fatal`, `close` follows), `close` (once). */
export type TlibLinkEvents = FramedJsonLinkEvents<TlibMessage, TlibDecodeError>;

/** Options of {@link TlibLink}. */
export interface TlibLinkOptions {
  /** Which kind of message this end accepts (server: request, client: event). */
  readonly accept: AcceptKind;
  readonly maxFrameBytes?: number | undefined;
  /**
   * Close the link when more than this many bytes wait in the write buffer (a peer that stopped
   * reading must not grow our memory without bound). Default 16 MiB.
   */
  readonly maxQueuedBytes?: number | undefined;
}

/** A T-Lib link; `send` throws UCC_ERR_TLIB_FRAME if a message is larger than the frame limit. */
export class TlibLink extends FramedJsonLink<TlibMessage, TlibDecodeError> {
  constructor(carrier: LinkCarrier, options: TlibLinkOptions) {
    const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
    super(carrier, {
      decoder: new FrameDecoder({ accept: options.accept, maxFrameBytes }),
      encode: (msg) => encodeFrame(msg, maxFrameBytes),
      parse: (value) => parseMessage(value, { accept: options.accept }),
      maxQueuedBytes: options.maxQueuedBytes,
    });
  }
}
