/**
 * The carrier's caller for the voice proofs: our own SIP UA placing the INVITE and an RTP phone
 * speaking a tone and keeping every packet it hears (baresip 1.0 drops audio across the relay's
 * SSRC changes). When a re-INVITE moves the caller's media (a transfer re-bridges it into a new
 * rtpengine session), the phone follows the new address, as a real phone does.
 */
import { SipStack } from '../../../src/sip/api/sip-stack.ts';
import { SipUserAgent } from '../../../src/sip/api/sip-user-agent.ts';
import type { InviteSession } from '../../../src/sip/ua/invite-session.ts';
import { freePort } from '../../support/free-port.ts';
import { RtpPhone, sdpMediaTarget } from '../../support/rtp-phone.ts';

export interface VoiceCaller {
  readonly rtp: RtpPhone;
  /** Resolves with the session once the switch answered (200, ACKed). */
  readonly answered: Promise<InviteSession>;
  /** Gives up before the answer (CANCEL). */
  cancel(): void;
  /** Hangs up (BYE) when answered. */
  hangup(): Promise<void>;
  close(): Promise<void>;
}

export async function callIn(target: string, hz: number): Promise<VoiceCaller> {
  const stack = await SipStack.listen({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: await freePort() }] });
  const ua = new SipUserAgent({ stack, aor: 'sip:+33123456789@carrier.test' });
  const rtp = await RtpPhone.open({ hz });
  let follow: NodeJS.Timeout | undefined;
  const handle = ua.startInvite(target, { body: rtp.sdp(), contentType: 'application/sdp' });
  const answered = handle.outcome.then((o) => {
    if (!o.ok) throw new Error(`the call was refused: ${o.response.status}`);
    const session = o.session;
    let to = JSON.stringify(sdpMediaTarget(session.remote.body.toString()));
    rtp.startSending(session.remote.body.toString());
    follow = setInterval(() => {
      const now = JSON.stringify(sdpMediaTarget(session.remote.body.toString()));
      if (now !== to) {
        to = now;
        rtp.startSending(session.remote.body.toString());
      }
    }, 50);
    return session;
  });
  answered.catch(() => {});
  return {
    rtp,
    answered,
    cancel: () => handle.cancel(),
    async hangup() {
      clearInterval(follow);
      rtp.stopSending();
      const s = await answered;
      if (s.state === 'active') await s.bye();
    },
    async close() {
      clearInterval(follow);
      await rtp.close();
      ua.dispose();
      await stack.close();
    },
  };
}
