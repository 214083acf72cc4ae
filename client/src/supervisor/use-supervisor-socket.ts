/**
 * The supervisor socket in the browser: `/api/v1/supervisor-socket` pushes a whole dashboard
 * snapshot (at most a few a second). Reconnects with backoff after a drop; close codes 4401 / 4403
 * / 4408 mean no session or no supervisor role: no reconnect.
 */
import { useEffect, useState } from 'preact/hooks';
import type { DashboardSnapshot } from './supervisor-api.ts';

export type SupervisorSocketStatus = 'connecting' | 'open' | 'closed' | 'forbidden';

export interface SupervisorSocket {
  snapshot: DashboardSnapshot | null;
  /** Server clock minus browser clock at the last snapshot (countdowns use the server's time). */
  offsetMs: number;
  status: SupervisorSocketStatus;
}

const final = new Set([4401, 4403, 4408]);

export function useSupervisorSocket(onSessionGone: () => void): SupervisorSocket {
  const [state, setState] = useState<SupervisorSocket>({ snapshot: null, offsetMs: 0, status: 'connecting' });
  useEffect(() => {
    let stopped = false;
    let attempt = 0;
    let timer: number | undefined;
    let ws: WebSocket | null = null;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/supervisor-socket`;
    const open = () => {
      setState((s) => ({ ...s, status: 'connecting' }));
      ws = new WebSocket(url);
      ws.onopen = () => {
        attempt = 0;
        setState((s) => ({ ...s, status: 'open' }));
      };
      ws.onmessage = (e: MessageEvent) => {
        if (typeof e.data !== 'string' || e.data.length > 8_000_000) return;
        let m: { type?: unknown; snapshot?: DashboardSnapshot };
        try {
          m = JSON.parse(e.data) as typeof m;
        } catch {
          return;
        }
        if (m.type !== 'dashboard' || typeof m.snapshot !== 'object' || m.snapshot === null) return;
        const snapshot = m.snapshot;
        setState({ snapshot, offsetMs: snapshot.now - Date.now(), status: 'open' });
      };
      ws.onclose = (e: CloseEvent) => {
        ws = null;
        if (stopped) return;
        if (final.has(e.code)) {
          setState((s) => ({ ...s, status: e.code === 4403 ? 'forbidden' : 'closed' }));
          if (e.code !== 4403) onSessionGone();
          return;
        }
        setState((s) => ({ ...s, status: 'closed' }));
        const delay = Math.min(30_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
        timer = window.setTimeout(open, delay);
      };
    };
    open();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      ws?.close(1000, 'closed by the client');
    };
  }, []);
  return state;
}

/** A clock that ticks every `ms` (countdowns and time in state). */
export function useTick(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(t);
  }, [ms]);
  return now;
}
