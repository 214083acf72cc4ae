/**
 * The SIP switch (docs/voice.md): a B2BUA on src/sip implementing the T-Server's Switch port, and
 * the `voice:` configuration block it reads.
 */
export { SipSwitch, type SipSwitchOptions } from './sip-switch.ts';
export { parseVoiceConfig, VOICE_DEFAULTS, type VoiceConfig, type VoiceListen, type VoiceTrunk, type CallerMedia, type UserDataHeader, type ParseVoiceOptions } from './voice-config.ts';
export type { Locate, ConfigPath } from './config-reader.ts';
export { USERDATA_HEADER_PREFIX } from './userdata-headers.ts';
