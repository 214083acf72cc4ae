/**
 * What a chat message may be: valid UTF-8, control characters removed (tab and line breaks kept),
 * not empty, bounded in length. Every chat source (the customer page, the KW client, SIP MESSAGE)
 * passes its text through {@link cleanChatText}; it is stored and shown as text, never as HTML.
 */
import { err, ok, type Result } from '../../lib/result.ts';

/** Longest chat message, in characters after cleaning. */
export const MAX_CHAT_TEXT = 4000;

export interface ChatTextError {
  code: 'too-large' | 'empty' | 'invalid-utf8' | 'not-text';
  message: string;
}

// C0 controls but tab and LF (CR is normalised away), DEL, C1 controls, and bidi overrides/isolates.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/gu;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Cleans one message; bytes are decoded strictly (invalid UTF-8 is refused, never replaced). */
export function cleanChatText(raw: unknown, max = MAX_CHAT_TEXT): Result<string, ChatTextError> {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (raw instanceof Uint8Array) {
    if (raw.byteLength > max * 4) return err({ code: 'too-large', message: `messages are limited to ${max} characters` });
    try {
      text = decoder.decode(raw);
    } catch {
      return err({ code: 'invalid-utf8', message: 'the message is not valid UTF-8' });
    }
  } else return err({ code: 'not-text', message: 'the message must be a string' });
  if (text.length > max * 2) return err({ code: 'too-large', message: `messages are limited to ${max} characters` });
  // A lone surrogate is not UTF-8 either (a JSON string may carry one).
  if (LONE_SURROGATE.test(text)) return err({ code: 'invalid-utf8', message: 'the message is not valid UTF-8' });
  const cleaned = text.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
  if (cleaned.length === 0) return err({ code: 'empty', message: 'the message is empty' });
  if (cleaned.length > max) return err({ code: 'too-large', message: `messages are limited to ${max} characters` });
  return ok(cleaned);
}
