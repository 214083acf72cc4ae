/** The media relay: the port the SIP switch uses, and its rtpengine implementation. */
export { MediaRelayError, type MediaRelay, type RelayAnswer, type RelayOffer } from './media-relay.ts';
export { RtpengineRelay, type RtpengineRelayOptions } from './rtpengine/rtpengine-relay.ts';
export { NgClient, NG_DEFAULTS, type NgClientOptions } from './rtpengine/ng-client.ts';
export { parseNgAddress, formatNgAddress, type NgTransport, type NgTransportFactory, type NgAddress } from './rtpengine/ng-transport.ts';
