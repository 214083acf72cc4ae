/**
 * The SIP switch (docs/voice.md): a B2BUA on src/sip implementing the T-Server's Switch port. Its
 * `voice:` configuration block is read by src/config/voice-settings.ts.
 */
export { SipSwitch, type SipSwitchOptions } from './sip-switch.ts';
export { USERDATA_HEADER_PREFIX } from './userdata-headers.ts';
