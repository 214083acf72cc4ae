/**
 * What an operator asks of a running instance: readiness (each role and dependency), and the
 * graceful drain on SIGTERM. Built by the composition root; served by ops-routes.ts and read by
 * `ucc status`.
 *
 * Drain order (docs/operations.md): 1. stop taking new calls and chats (the T-Server refuses
 * RequestMakeCall and inbound calls; readiness says `draining`); 2. let open previews finish, and
 * cancel what is still open when the bound runs out; 3. withdraw the connector's presence
 * publications (each KW's own presence shows again); 4. close every role. Exit 0 is the caller's.
 */
import { sql } from 'kysely';
import type { UcConnector } from '../connector/connector.ts';
import type { PreviewManager } from '../connector/preview-manager.ts';
import type { Logger } from '../lib/logger.ts';
import type { MediaRelay } from '../media/media-relay.ts';
import type { SqlConfigStore } from '../store/index.ts';
import type { TlibClient } from '../tlib/client/tlib-client.ts';
import type { TServer } from '../tserver/tserver.ts';
import type { UcPlatform } from '../uc/uc-platform.ts';

export type DependencyState = 'up' | 'down' | 'degraded';

export interface DependencyReport {
  state: DependencyState;
  detail?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'not ready' | 'draining';
  version: string;
  roles: Record<string, 'running' | 'draining'>;
  dependencies: {
    store: DependencyReport & { type: string };
    ucPlatform: DependencyReport & { mode: string };
    mediaRelay: DependencyReport | { state: 'not configured' };
    tserverLink: DependencyReport;
  };
}

export interface OperationsDeps {
  version: string;
  store: SqlConfigStore;
  storeType: string;
  uc: UcPlatform;
  presenceMode: string;
  tlib: TlibClient;
  tserver: TServer;
  connector: UcConnector;
  previews: PreviewManager;
  relay?: MediaRelay;
  logger: Logger;
  /** Milliseconds each dependency check may take (default 2000). */
  checkTimeoutMs?: number;
}

/** Resolves with `p`'s outcome, or rejects after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Operations {
  private draining = false;
  private readonly timeoutMs: number;

  constructor(private readonly d: OperationsDeps) {
    this.timeoutMs = d.checkTimeoutMs ?? 2000;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Checks every dependency now (each bounded by the check timeout). */
  async readiness(): Promise<ReadinessReport> {
    const [store, relay] = await Promise.all([this.checkStore(), this.checkRelay()]);
    const ucState = this.d.uc.connectionState;
    const ucPlatform = { mode: this.d.presenceMode, state: ucState === 'connected' ? 'up' : ucState === 'degraded' ? 'degraded' : 'down', detail: ucState } as const;
    const link = this.d.tlib.state;
    const tserverLink: DependencyReport = { state: link === 'connected' ? 'up' : 'down', detail: link };
    const roleState = this.draining ? 'draining' : 'running';
    const deps = [store.state, ucPlatform.state, tserverLink.state, relay.state];
    const up = deps.every((s) => s === 'up' || s === 'degraded' || s === 'not configured');
    return {
      status: this.draining ? 'draining' : up ? 'ready' : 'not ready',
      version: this.d.version,
      roles: { tserver: roleState, connector: roleState, router: roleState, 'stat-server': roleState, web: roleState },
      dependencies: { store: { type: this.d.storeType, ...store }, ucPlatform, mediaRelay: relay, tserverLink },
    };
  }

  /** The drain, in order; each step is logged (`drain: ...`), so the order can be followed and tested. */
  async drain(previewBoundMs: number, publicationBoundMs = 2000): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const log = this.d.logger;
    this.d.tserver.draining = true;
    log.info('drain: 1 no new calls or chats');
    const until = Date.now() + previewBoundMs;
    let open = this.d.previews.openPreviews();
    log.info('drain: 2 waiting for open previews', { open: open.length, boundMs: previewBoundMs });
    while (open.length > 0 && Date.now() < until) {
      await sleep(Math.min(100, Math.max(1, until - Date.now())));
      open = this.d.previews.openPreviews();
    }
    let cancelled = 0;
    for (const connId of new Set(open.map((o) => o.connId))) cancelled += this.d.previews.cancelConnId(connId, 'shutdown');
    log.info('drain: 2 previews done', { cancelled });
    const withdrawn = await this.d.connector.withdrawPublications(publicationBoundMs);
    log.info('drain: 3 presence publications withdrawn', { withdrawn });
  }

  private async checkStore(): Promise<DependencyReport> {
    try {
      await within(sql`select 1`.execute(this.d.store.db), this.timeoutMs, 'store');
      return { state: 'up' };
    } catch (e) {
      return { state: 'down', detail: (e as Error).message.slice(0, 200) };
    }
  }

  private async checkRelay(): Promise<DependencyReport | { state: 'not configured' }> {
    const relay = this.d.relay;
    if (!relay) return { state: 'not configured' };
    try {
      await within(relay.ping(), this.timeoutMs, 'media relay');
      return { state: 'up', detail: relay.address };
    } catch (e) {
      return { state: 'down', detail: `${relay.address}: ${(e as Error).message}`.slice(0, 200) };
    }
  }
}
