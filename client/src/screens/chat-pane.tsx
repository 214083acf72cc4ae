/**
 * The chat part of the Interaction window (seed 000 4.10, Genesys IM mode): the window title
 * (`chat-title`, or `chat-consult-title` for a consultation), the transcript so far, the other
 * side's typing indicator and the composer. Messages are text nodes, never HTML.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatView } from '../socket/kw-socket-state.ts';

/** As the server's limit (src/switch/chat/chat-text.ts). */
const MAX_TEXT = 4000;

export function ChatPane(props: { chat: ChatView; onSend: (text: string) => boolean; onTyping: () => void }) {
  const { chat } = props;
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const typingAt = useRef(0);
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [chat.messages.length]);
  const send = () => {
    const t = text.trim();
    if (t === '') return;
    if (t.length > MAX_TEXT) return setError(`Messages are limited to ${MAX_TEXT} characters.`);
    if (!props.onSend(t)) return setError('Not connected.');
    setError('');
    setText('');
  };
  return (
    <div class="chat-pane" data-testid="chat-pane" data-conn-id={chat.connId} data-ended={chat.ended ?? ''}>
      <h3 data-testid="chat-title">{chat.title}</h3>
      <ol class="chat-messages" data-testid="chat-messages" ref={list}>
        {chat.messages.map((m) => (
          <li key={m.seq} class={`chat-${m.from}`} data-testid="chat-message" data-from={m.from}>
            {m.from !== 'system' && <span class="chat-sender">{m.from === 'customer' ? m.sender : m.sender}: </span>}
            <span data-testid="chat-text">{m.text}</span>
          </li>
        ))}
      </ol>
      {chat.typing && <p class="chat-typing" data-testid="chat-typing">…</p>}
      {chat.ended === undefined ? (
        <form class="chat-composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
          <textarea
            data-testid="chat-input"
            rows={2}
            maxLength={MAX_TEXT}
            value={text}
            onInput={(e) => {
              setText(e.currentTarget.value);
              if (Date.now() - typingAt.current > 2000) {
                typingAt.current = Date.now();
                props.onTyping();
              }
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                send();
              }
            }}
          />
          <button type="submit" data-testid="chat-send">Send</button>
        </form>
      ) : (
        <p data-testid="chat-ended">The chat ended.</p>
      )}
      {error !== '' && <p role="alert" class="error" data-testid="chat-error">{error}</p>}
    </div>
  );
}
