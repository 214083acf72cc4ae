/**
 * uc/: the UC platform adapters behind one interface (ARCHITECTURE.md). The composition root picks
 * one: `sip-simple` (RFC presence servers such as Kamailio), `ms-pres` (Lync / Skype for Business
 * pools, docs/ms-pres.md) or `standalone` (presence set in the web client). docs/uc-adapters.md.
 */
export * from './uc-platform.ts';
export { UcPlatformBase } from './uc-platform-base.ts';
export { SipSimplePlatform } from './sip-simple/sip-simple-platform.ts';
export type { SipSimplePlatformOptions, SipSimpleStatus } from './sip-simple/sip-simple-platform.ts';
export { MS_PRES_ACCEPT, MS_PRES_REGISTER_SUPPORTED, MS_PRES_SUBSCRIBE_SUPPORTED, MsPresPlatform } from './ms-pres/ms-pres-platform.ts';
export type { MsPresPlatformOptions, MsPresStatus } from './ms-pres/ms-pres-platform.ts';
export { MsPresBatchPlan } from './ms-pres/ms-pres-batch-plan.ts';
export type { MsPresBatch } from './ms-pres/ms-pres-batch-plan.ts';
export { readMsPresNotification } from './ms-pres/ms-pres-notification.ts';
export type { MsPresNotificationItem } from './ms-pres/ms-pres-notification.ts';
export { acceptConnectorPublications, connectorInstances, connectorPublications, emptyConnectorPublication } from './ms-pres/connector-publication.ts';
export type { ConnectorPublicationOptions, ConnectorPublicationRecord, ContainerVersions } from './ms-pres/connector-publication.ts';
export { StandalonePlatform } from './standalone/standalone-platform.ts';
export type { StandalonePlatformOptions, StandalonePresenceView } from './standalone/standalone-platform.ts';
