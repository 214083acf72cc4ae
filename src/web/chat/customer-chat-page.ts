/**
 * The customer chat page: HTML, CSS and script served as three static texts (no build step), so
 * the Content-Security-Policy can forbid inline script. Every text from the server is put on the
 * page with `textContent`, never as HTML. The script keeps the session token in sessionStorage
 * (a reload reattaches), reconnects with backoff, checks the message length before sending and
 * shows the server's errors. docs/chat.md describes the protocol.
 */

export const customerChatHtml = (title: string, base: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${escapeHtml(base)}/chat.css">
<script src="${escapeHtml(base)}/chat.js" defer></script>
</head><body>
<main id="chat" aria-live="polite">
<header><h1>${escapeHtml(title)}</h1><span id="status" data-state="connecting">Connecting…</span></header>
<ol id="messages"></ol>
<p id="typing" hidden>The agent is typing…</p>
<p id="error" role="alert" hidden></p>
<form id="composer"><textarea id="text" rows="2" maxlength="4000" placeholder="Type your message" aria-label="Message"></textarea>
<button id="send" type="submit">Send</button></form>
<button id="leave" type="button">End chat</button>
</main></body></html>`;

/** The page title and the routing point name are the only server values in the HTML: escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export const customerChatCss = `*{box-sizing:border-box}body{margin:0;font:16px/1.4 system-ui,sans-serif;background:#f4f5f7}
#chat{display:flex;flex-direction:column;height:100vh;max-width:40rem;margin:0 auto;background:#fff}
header{display:flex;justify-content:space-between;align-items:center;padding:.5rem 1rem;background:#1f3a5f;color:#fff}
h1{font-size:1.1rem;margin:0}#status{font-size:.85rem}
#messages{flex:1;overflow-y:auto;list-style:none;margin:0;padding:1rem}
#messages li{margin:.25rem 0;padding:.4rem .7rem;border-radius:.6rem;max-width:85%;white-space:pre-wrap;overflow-wrap:anywhere}
li.customer{margin-left:auto;background:#d8eafe}li.agent{background:#eceff3}li.system{margin:.5rem auto;font-size:.85rem;color:#555;background:none}
#typing,#error{margin:0 1rem;font-size:.85rem}#error{color:#a40000}
#composer{display:flex;gap:.5rem;padding:.5rem}#text{flex:1;font:inherit;min-height:2.5rem}
button{font:inherit;padding:.4rem .9rem}#leave{margin:0 .5rem .5rem auto}
@media (max-width:30rem){#messages li{max-width:95%}}`;

export const customerChatJs = `'use strict';
(() => {
  const MAX = 4000;
  const $ = (id) => document.getElementById(id);
  const list = $('messages'), status = $('status'), typing = $('typing'), error = $('error'), text = $('text');
  const key = 'ucc-chat:' + location.pathname;
  let ws, delay = 500, ended = false, typingSent = 0, seen = new Set();
  const setStatus = (state, label) => { status.dataset.state = state; status.textContent = label; };
  const showError = (m) => { error.textContent = m; error.hidden = !m; };
  const add = (m) => {
    if (m.seq && seen.has(m.from + m.seq)) return;
    if (m.seq) seen.add(m.from + m.seq);
    const li = document.createElement('li');
    li.className = m.from;
    li.textContent = m.text;
    li.dataset.seq = String(m.seq || '');
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  };
  const end = () => { ended = true; setStatus('ended', 'Chat ended'); text.disabled = true; $('send').disabled = true; $('leave').disabled = true; };
  const userData = () => {
    const out = {};
    for (const [k, v] of new URLSearchParams(location.search)) out[k] = v;
    return out;
  };
  const connect = () => {
    const url = new URL(location.pathname.replace(/\\/+$/, '') + '/ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(url);
    ws.onopen = () => {
      delay = 500;
      const token = sessionStorage.getItem(key);
      ws.send(JSON.stringify(token ? { type: 'hello', token } : { type: 'hello', userData: userData() }));
    };
    ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      if (m.type === 'session') {
        sessionStorage.setItem(key, m.token);
        list.textContent = ''; seen = new Set();
        for (const x of m.messages) add(x);
        if (m.state === 'ended') end(); else setStatus('open', 'Connected');
      } else if (m.type === 'message') { typing.hidden = true; add(m.message); }
      else if (m.type === 'typing') typing.hidden = !m.on;
      else if (m.type === 'ended') { typing.hidden = true; end(); }
      else if (m.type === 'error') { showError(m.message); if (m.code === 'unknown-session') sessionStorage.removeItem(key); }
    };
    ws.onclose = () => {
      if (ended) return;
      setStatus('connecting', 'Reconnecting…');
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  };
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const t = text.value.trim();
    if (!t) return;
    if (t.length > MAX) { showError('Messages are limited to ' + MAX + ' characters.'); return; }
    if (!ws || ws.readyState !== 1) { showError('Not connected; please wait.'); return; }
    showError('');
    ws.send(JSON.stringify({ type: 'message', text: t }));
    text.value = '';
    typingSent = 0; // the next keystroke starts a new message: announce it at once
  });
  text.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('composer').requestSubmit(); } });
  text.addEventListener('input', () => {
    const now = Date.now();
    if (ws && ws.readyState === 1 && now - typingSent > 2000) { typingSent = now; ws.send(JSON.stringify({ type: 'typing', on: true })); }
  });
  $('leave').addEventListener('click', () => { if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'leave' })); sessionStorage.removeItem(key); end(); });
  connect();
})();
`;
