/**
 * Who may use the T-Server over T-Lib (docs/protocols/tlib.md 1.1 and 1.2): it authenticates the
 * configured client Applications (password or TLS certificate) and decides, per request, whether
 * the session's Application may act on the request's DN.
 *
 * The model: an Application has access `all` (the roles: connector, router, stats, reporting; or a
 * trusted CTI application) or owns a set of DNs. A limited Application may control and monitor
 * only its own DNs: every request names its DN in ThisDN (agent login/logout, registration, call
 * control, UserData, routing), and a Routing Point or another KW's DN is simply not owned. The
 * T-Server's own checks then keep a request on a call to the calls that DN is on.
 */
import { verifyPasswordAsync } from '../config/password-hash.ts';
import type { TlibRequest } from '../tlib/index.ts';
import type { TlibAuthenticator, TlibPrincipal } from '../tlib/server/tlib-auth.ts';
import { inProcessApplication } from '../tlib/server/tlib-auth.ts';
import { dnKey } from './tserver-config.ts';

/** A configured Application as the T-Server sees it. */
export interface TlibClientApplication {
  name: string;
  /** scrypt hash of its T-Lib password; without one it cannot authenticate with a password. */
  passwordHash?: string;
  /** Subject CN of a TLS client certificate that authenticates as it (absent: the name). */
  certificateCn?: string;
  /** `all`, or the DN numbers it owns. */
  dns: 'all' | readonly string[];
}

export class TlibAccess implements TlibAuthenticator {
  private byName = new Map<string, TlibClientApplication>();
  private byCn = new Map<string, string>();
  private owned = new Map<string, ReadonlySet<string>>();

  constructor(applications: readonly TlibClientApplication[]) {
    this.update(applications);
  }

  /** Applies a new configuration (takes effect for the next request). */
  update(applications: readonly TlibClientApplication[]): void {
    this.byName = new Map(applications.map((a) => [a.name, a]));
    this.byCn = new Map(applications.map((a) => [a.certificateCn || a.name, a.name]));
    this.owned = new Map(applications.filter((a) => a.dns !== 'all').map((a) => [a.name, new Set((a.dns as readonly string[]).map(dnKey))]));
  }

  verifyPassword(application: string, password: string): Promise<boolean> {
    const hash = this.byName.get(application)?.passwordHash;
    // An unknown Application costs the same scrypt work, so the answer time does not tell names apart.
    return verifyPasswordAsync(password, hash ?? unknownApplicationHash).then((ok) => ok && hash !== undefined);
  }

  applicationForCertificate(subjectCn: string): string | undefined {
    return this.byCn.get(subjectCn);
  }

  /** Undefined when `principal` may send `request`, else why not (the EventError text). */
  refusal(principal: TlibPrincipal | undefined, request: TlibRequest): string | undefined {
    if (principal === undefined) return 'The link is not authenticated.';
    if (principal.application === inProcessApplication && principal.method === 'in-process') return undefined;
    const app = this.byName.get(principal.application);
    if (!app) return `Application ${principal.application} is not configured.`;
    if (app.dns === 'all' || !('ThisDN' in request)) return undefined;
    if (this.owned.get(app.name)?.has(dnKey(request.ThisDN))) return undefined;
    return `Application ${app.name} may not use DN ${request.ThisDN}.`;
  }
}

/** A well-formed hash of a random password (N=2^14): what an unknown name is checked against. */
const unknownApplicationHash = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
