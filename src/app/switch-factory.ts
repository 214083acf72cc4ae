/**
 * Which Switch the T-Server drives: the SIP switch (a B2BUA, docs/voice.md) when the top file has
 * a `voice:` block, with rtpengine in the media path when `voice.rtpengine` is set; otherwise the
 * emulated switch (no media: the demo and most tests).
 */
import type { VoiceConfig } from '../config/voice-settings.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { RtpengineRelay } from '../media/rtpengine/rtpengine-relay.ts';
import { EmulatedSwitch } from '../switch/emulated/emulated-switch.ts';
import { SipSwitch } from '../switch/sip/sip-switch.ts';
import type { Switch } from '../tserver/switch-port.ts';
import type { MediaRelay } from '../media/media-relay.ts';

export interface BuiltSwitch {
  readonly switch: Switch;
  /** The SIP listeners once started (empty for the emulated switch). */
  addresses(): string[];
  /** The media relay (rtpengine) in the media path, when configured (readiness pings it). */
  readonly relay?: MediaRelay;
}

export function buildSwitch(voice: VoiceConfig | undefined, deps: { clock: Clock; logger: Logger }): BuiltSwitch {
  if (!voice) return { switch: new EmulatedSwitch(), addresses: () => [] };
  // port-latching: rtpengine keeps the caller's relay port when the KW answers, so the 200 sent to
  // the caller matches the 183 of its early media.
  const relay = voice.rtpengine ? new RtpengineRelay({ address: voice.rtpengine.address, clock: deps.clock, flags: ['inject-DTMF', 'port-latching'] }) : undefined;
  const sip = new SipSwitch({ config: voice, clock: deps.clock, logger: deps.logger, ...(relay ? { relay } : {}) });
  return { switch: sip, addresses: () => sip.addresses.map((a) => `${a.protocol}:${a.host}:${a.port}`), ...(relay ? { relay } : {}) };
}
