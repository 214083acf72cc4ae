/**
 * Who a T-Lib session is: the configured Application it authenticated as, and how. The server
 * framework (tlib-server.ts) runs the handshake; what an Application may then do is the T-Server's
 * decision (src/tserver/tlib-access.ts).
 *
 * Handshake (docs/protocols/tlib.md section 1.1): the first request of a TCP/TLS session is
 * RequestRegisterClient { ApplicationName, ApplicationPassword }; EventServerConnected answers it.
 * On a mutual-TLS listener a client certificate whose subject CN maps to an Application
 * authenticates the session at once. Anything else: EventError 1145, then the link closes.
 */

/** How a session proved its identity. */
export type TlibAuthMethod = 'password' | 'certificate' | 'in-process';

/** The identity of an authenticated session. */
export interface TlibPrincipal {
  /** The configured Application's name. */
  readonly application: string;
  readonly method: TlibAuthMethod;
}

/** What the server asks its owner (the T-Server, from configuration). */
export interface TlibAuthenticator {
  /** True when `password` is the Application's (constant-time scrypt check, off the event loop). */
  verifyPassword(application: string, password: string): Promise<boolean>;
  /** The Application a verified client certificate with this subject CN authenticates as. */
  applicationForCertificate(subjectCn: string): string | undefined;
}

/** Bounds of the handshake. */
export interface TlibAuthLimits {
  /** A session not authenticated this long after it opened is closed (10 s). */
  readonly authTimeoutMs: number;
  /** Largest frame accepted before authentication (64 KiB). */
  readonly preAuthMaxFrameBytes: number;
}

export const defaultTlibAuthLimits: TlibAuthLimits = { authTimeoutMs: 10_000, preAuthMaxFrameBytes: 64 * 1024 };

/** The identity of in-process links opened without a name: the process's own code. */
export const inProcessApplication = '(in-process)';
