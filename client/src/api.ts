/**
 * The REST calls of the client. Same-origin fetches carry the HttpOnly session cookie; every
 * state-changing call sends the session's CSRF token in X-CSRF-Token.
 */

/** GET /api/v1/session (and the login reply). */
export interface SessionInfo {
  userName: string;
  firstName: string;
  lastName: string;
  windowTitle: string;
  csrfToken: string;
  options: ClientOptions;
}

/** The options the client reads (names as in the configuration). */
export interface ClientOptions {
  'help-login-url': string;
  locale: string;
  'enable-logout-menu': boolean;
  'redirect-setup-enabled': boolean;
  [name: string]: unknown;
}

/** GET /api/v1/knowledge-workers/{userName} (the parts the client shows). */
export interface KnowledgeWorker {
  userName: string;
  dn: string;
  agentState: 'LoggedOut' | 'Ready' | 'NotReady';
  workMode: string | null;
  connectorDnd: boolean;
  /** Set after a rejected, timed-out or redirected preview until it ends (dnd-off-timeout, or Back to Ready). */
  autoState?: 'preview-reject' | 'preview-timeout' | 'preview-redirect' | null;
  presence: { availability: string; note: string | null } | null;
}

/** GET .../state-display: the indicator and the custom state menu in a language. */
export interface StateDisplay {
  state: { kind: 'custom' | 'predefined'; id: string; statusText: string | null; icon: string | null; badge: string | null };
  menu: Array<{ id: string; menuText: string; icon: string | null }>;
}

export interface RedirectNumber {
  number: string;
  enabled: boolean;
}

/** A failed call: the HTTP status (0 = network) and the Retry-After seconds of a 429. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

let csrfToken = '';

/** Remembers the CSRF token of the current session. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== '') headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) {
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, data.error ?? res.statusText, Number.isFinite(retry) && retry > 0 ? retry : undefined);
  }
  return data as T;
}

const kwPath = (userName: string) => `/api/v1/knowledge-workers/${encodeURIComponent(userName)}`;

/** GET /api/v1/contact-points: a routing point to transfer or conference to, with its hover statistics. */
export interface ContactPoint {
  dn: string;
  displayName: string;
  tooltip: string[];
}

const itxPath = (userName: string, connId: string) => `${kwPath(userName)}/interactions/${encodeURIComponent(connId)}`;

export const api = {
  clientConfig: () => call<{ 'help-login-url': string; locale: string }>('GET', '/api/v1/client-config'),
  session: () => call<SessionInfo>('GET', '/api/v1/session'),
  login: (userName: string, password: string) => call<SessionInfo>('POST', '/api/v1/session', { userName, password }),
  logout: () => call<void>('DELETE', '/api/v1/session'),
  knowledgeWorker: (userName: string) => call<KnowledgeWorker>('GET', kwPath(userName)),
  stateDisplay: (userName: string, language: string) => call<StateDisplay>('GET', `${kwPath(userName)}/state-display?language=${encodeURIComponent(language)}`),
  /** Standalone presence; 409 when the KW's presence comes from a UC platform. */
  presence: (userName: string) => call<unknown>('GET', `${kwPath(userName)}/presence`),
  setPresence: (userName: string, availability: string) => call<unknown>('PUT', `${kwPath(userName)}/presence`, { availability }),
  selectCustomState: (userName: string, id: string) => call<{ id: string }>('PUT', `${kwPath(userName)}/custom-state`, { id }),
  backToReady: (userName: string) => call<{ ended: string }>('POST', `${kwPath(userName)}/ready`),
  setConnectorDnd: (userName: string, on: boolean) => call<{ connectorDnd: boolean }>('PUT', `${kwPath(userName)}/connector-dnd`, { on }),
  redirectNumber: (userName: string) => call<RedirectNumber>('GET', `${kwPath(userName)}/redirect-number`),
  setRedirectNumber: (userName: string, value: RedirectNumber) => call<RedirectNumber>('PUT', `${kwPath(userName)}/redirect-number`, value),
  contactPoints: () => call<ContactPoint[]>('GET', '/api/v1/contact-points'),
  callAction: (userName: string, connId: string, action: 'answer' | 'hold' | 'retrieve' | 'release') => call<{ ok: boolean }>('POST', `${itxPath(userName, connId)}/${action}`),
  transfer: (userName: string, connId: string, contactPoint: string) => call<{ ok: boolean }>('POST', `${itxPath(userName, connId)}/transfer`, { contactPoint }),
  conference: (userName: string, connId: string, contactPoint: string) => call<{ ok: boolean }>('POST', `${itxPath(userName, connId)}/conference`, { contactPoint }),
  saveNotes: (userName: string, connId: string, notes: string) => call<{ ok: boolean }>('PUT', `${itxPath(userName, connId)}/notes`, { notes }),
};
