/**
 * One preview-protocol connection over a byte stream (TCP socket or in-memory endpoint) or an
 * in-process message pipe: frames outgoing messages, decodes incoming bytes, and reports messages,
 * per-frame decode errors and the close on a typed emitter. PreviewServer sessions and the PreviewClient sit on a link. The stream
 * handling is the shared {@link FramedJsonLink} (the same as T-Lib's).
 */
import { FramedJsonLink } from '../lib/framed-json/framed-json-link.ts';
import type { FramedJsonLinkEvents, LinkCarrier } from '../lib/framed-json/framed-json-link.ts';
import { PreviewFrameDecoder, defaultMaxPreviewFrameBytes, encodePreviewFrame, parsePreviewMessage } from './preview-codec.ts';
import type { PreviewAcceptKind, PreviewDecodeError } from './preview-codec.ts';
import type { PreviewMessage } from './preview-messages.ts';

export type PreviewLinkEvents = FramedJsonLinkEvents<PreviewMessage, PreviewDecodeError>;

export interface PreviewLinkOptions {
  readonly accept: PreviewAcceptKind;
  readonly maxFrameBytes?: number | undefined;
  /** Close when more than this many bytes wait to be written (a peer that stopped reading). Default 16 MiB. */
  readonly maxQueuedBytes?: number | undefined;
}

/** A preview link; `send` throws UCC_ERR_PREVIEW_FRAME over the frame limit. */
export class PreviewLink extends FramedJsonLink<PreviewMessage, PreviewDecodeError> {
  constructor(carrier: LinkCarrier, options: PreviewLinkOptions) {
    const maxFrameBytes = options.maxFrameBytes ?? defaultMaxPreviewFrameBytes;
    super(carrier, {
      decoder: new PreviewFrameDecoder({ accept: options.accept, maxFrameBytes }),
      encode: (msg) => encodePreviewFrame(msg, maxFrameBytes),
      parse: (value) => parsePreviewMessage(value, { accept: options.accept }),
      maxQueuedBytes: options.maxQueuedBytes,
    });
  }
}
