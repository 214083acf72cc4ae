/**
 * Who may send calls in: an INVITE is taken only from a configured trunk's addresses (else 403),
 * and, when that trunk has credentials, only with valid digest credentials (else 407 with a
 * challenge, RFC 3261 section 22.3). Addresses are matched with node's BlockList (IPv4, IPv6,
 * CIDR); IPv4-mapped IPv6 sources (`::ffff:192.0.2.1`) match their IPv4 entries.
 */
import { BlockList, isIPv4 } from 'node:net';
import type { Clock } from '../../lib/clock.ts';
import { DigestServer } from '../../sip/auth/digest-server.ts';
import { parseCredentials } from '../../sip/auth/digest.ts';
import type { SipRequest } from '../../sip/message/index.ts';
import type { VoiceTrunk } from '../../config/voice-settings.ts';

export type TrunkVerdict =
  | { ok: true; trunk: VoiceTrunk }
  | { ok: false; status: 403; reason: string }
  | { ok: false; status: 407; reason: string; headers: Record<string, string> };

interface Entry {
  trunk: VoiceTrunk;
  allowed: BlockList;
}

export class TrunkGate {
  private readonly entries: Entry[];
  private readonly digest: DigestServer;

  constructor(trunks: readonly VoiceTrunk[], clock: Clock, realm: string) {
    this.entries = trunks.map((trunk) => {
      const allowed = new BlockList();
      for (const a of trunk.addresses) {
        const [addr = '', prefix] = a.split('/');
        const type = isIPv4(addr) ? 'ipv4' : 'ipv6';
        if (prefix === undefined) allowed.addAddress(addr, type);
        else allowed.addSubnet(addr, Number(prefix), type);
      }
      return { trunk, allowed };
    });
    this.digest = new DigestServer({ realm, clock });
  }

  /** The first trunk whose addresses hold `address`. */
  match(address: string): VoiceTrunk | undefined {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const addr = mapped ?? address;
    const type = isIPv4(addr) ? 'ipv4' : 'ipv6';
    for (const e of this.entries) {
      try {
        if (e.allowed.check(addr, type)) return e.trunk;
      } catch {
        return undefined; // not an IP address at all
      }
    }
    return undefined;
  }

  /** Checks an INVITE from `address` against the trunks (and their digest credentials). */
  admit(request: SipRequest, address: string): TrunkVerdict {
    const trunk = this.match(address);
    if (!trunk) return { ok: false, status: 403, reason: 'Forbidden' };
    const creds = trunk.credentials;
    if (!creds) return { ok: true, trunk };
    const challenge = (stale: boolean): TrunkVerdict => ({ ok: false, status: 407, reason: 'Proxy Authentication Required', headers: { 'Proxy-Authenticate': this.digest.challengeHeader(stale) } });
    const header = request.headers.get('Proxy-Authorization');
    if (header === undefined) return challenge(false);
    const parsed = parseCredentials(header);
    if (!parsed.ok) return challenge(false);
    const verdict = this.digest.verify(parsed.value, { method: request.method, body: request.body }, (user) => (user === creds.username ? { password: creds.password } : undefined));
    if (verdict.ok) return { ok: true, trunk };
    if (verdict.stale) return challenge(true);
    return { ok: false, status: 403, reason: 'Forbidden' };
  }
}
