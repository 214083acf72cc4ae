/**
 * preview/: the preview protocol (the seeds' Custom Server interface between routing and the UC
 * Connector): messages, codec and framing, the connector-side PreviewServer and the router-side
 * PreviewClient. Wire reference: docs/protocols/preview.md.
 */
export * from './preview-messages.ts';
export * from './preview-codec.ts';
export * from './preview-link.ts';
export * from './preview-transport.ts';
