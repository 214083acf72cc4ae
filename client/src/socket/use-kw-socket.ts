/**
 * The KW socket in the browser: opens `/api/v1/kw-socket` (the session cookie identifies the KW),
 * folds every message into {@link KwSocketState}, and reconnects with backoff after a drop. Close
 * codes 4401 / 4404 / 4408 mean the session is gone: no reconnect, the app shows the Login screen.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { initialSocketState, reconnectDelay, reduceSocketMessage, type KwSocketState } from './kw-socket-state.ts';

export type SocketStatus = 'connecting' | 'open' | 'closed';

const sessionGone = new Set([4401, 4404, 4408]);

export interface KwSocket {
  state: KwSocketState;
  status: SocketStatus;
  /** Sends a client message; false when the socket is not open. */
  send(message: { type: 'accept' | 'reject' | 'accept-external'; id: string } | { type: 'chat-send'; connId: string; text: string } | { type: 'chat-typing'; connId: string; on: boolean }): boolean;
  /** Applies a local change (expiry of closed previews and released calls). */
  update(f: (s: KwSocketState) => KwSocketState): void;
}

export function useKwSocket(userName: string, onSessionGone: () => void): KwSocket {
  const [state, setState] = useState<KwSocketState>(initialSocketState);
  const [status, setStatus] = useState<SocketStatus>('connecting');
  const wsRef = useRef<WebSocket | null>(null);

  useEffect(() => {
    let stopped = false;
    let attempt = 0;
    let timer: number | undefined;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/kw-socket`;
    const open = () => {
      setStatus('connecting');
      const ws = new WebSocket(url);
      wsRef.current = ws;
      ws.onopen = () => {
        attempt = 0;
        setStatus('open');
      };
      ws.onmessage = (e: MessageEvent) => {
        if (typeof e.data !== 'string' || e.data.length > 1_000_000) return;
        let m: unknown;
        try {
          m = JSON.parse(e.data);
        } catch {
          return;
        }
        setState((s) => reduceSocketMessage(s, m, Date.now()));
      };
      ws.onclose = (e: CloseEvent) => {
        wsRef.current = null;
        setStatus('closed');
        if (stopped) return;
        if (sessionGone.has(e.code)) {
          onSessionGone();
          return;
        }
        // The server forgets nothing a reconnect needs: it replays state, previews and calls.
        setState(initialSocketState);
        timer = window.setTimeout(open, reconnectDelay(attempt++, Math.random()));
      };
    };
    open();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      wsRef.current?.close(1000, 'closed by the client');
    };
  }, [userName]);

  return {
    state,
    status,
    send: (m) => {
      const ws = wsRef.current;
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(m));
      return true;
    },
    update: (f) => setState(f),
  };
}
