/**
 * Getting the KW's attention when a preview arrives while the tab is hidden: a browser
 * notification (when the KW allowed them; the permission is asked on a user gesture, see
 * {@link askNotificationPermission}) and the title flashing until the tab is visible again or no
 * preview is left. The ring tone is the Preview window's own `<audio>`.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { arrivedIds, flashingTitle } from './title-flash.ts';

/** What the browser offers; absent in browsers (or contexts) without the Notification API. */
const notificationApi = (): typeof Notification | undefined => (typeof Notification === 'undefined' ? undefined : Notification);

/** The permission now: 'granted', 'denied', 'default', or 'unsupported'. */
export function notificationPermission(): NotificationPermission | 'unsupported' {
  return notificationApi()?.permission ?? 'unsupported';
}

/**
 * Asks for the permission to notify. Call it from a user gesture (a click, the login submit):
 * browsers ignore or penalise a request made without one. Never throws.
 */
export function askNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
  const api = notificationApi();
  if (api === undefined || api.permission !== 'default') return Promise.resolve(notificationPermission());
  try {
    return api.requestPermission().catch(() => notificationPermission());
  } catch {
    return Promise.resolve(notificationPermission());
  }
}

export interface PreviewAttentionTexts {
  /** The window title of the KW ("<name> - OpenUCC"). */
  baseTitle: string;
  /** The flashing alert text and the notification's title. */
  alert: string;
  /** The notification's body for a preview (its case data summary). */
  body: (id: string) => string;
}

/** Notifies and flashes the title for previews that arrive while the document is hidden. */
export function usePreviewAttention(previews: readonly { id: string }[], texts: PreviewAttentionTexts): { flashing: boolean } {
  const seen = useRef(new Set<string>());
  const [hidden, setHidden] = useState(typeof document !== 'undefined' && document.hidden);
  const [pending, setPending] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const onVisibility = () => {
      setHidden(document.hidden);
      if (!document.hidden) setPending(false);
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, []);

  useEffect(() => {
    const arrived = arrivedIds(seen.current, previews);
    seen.current = new Set(previews.map((p) => p.id));
    if (arrived.length === 0 || !document.hidden) return;
    setPending(true);
    const api = notificationApi();
    if (api?.permission !== 'granted') return;
    for (const id of arrived) {
      try {
        const n = new api(texts.alert, { body: texts.body(id), tag: `preview-${id}`, requireInteraction: true });
        n.onclick = () => {
          window.focus();
          n.close();
        };
      } catch {
        // A notification that cannot be shown (e.g. only service workers may show them) changes nothing else.
      }
    }
  }, [previews]);

  const flashing = pending && hidden && previews.length > 0;
  useEffect(() => {
    if (!flashing) {
      document.title = texts.baseTitle;
      return;
    }
    const timer = window.setInterval(() => setTick((t) => t + 1), 1000);
    return () => window.clearInterval(timer);
  }, [flashing, texts.baseTitle]);
  useEffect(() => {
    if (flashing) document.title = flashingTitle(texts.baseTitle, texts.alert, tick, true);
  }, [tick, flashing]);
  return { flashing };
}
