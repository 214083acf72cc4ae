/**
 * The close listeners of one server session (T-Lib's TlibSession, the preview protocol's
 * PreviewSession): run once with the reason, each isolated, and a listener added after the close
 * runs at once (so no caller can miss it).
 */
import type { Logger } from '../logger.ts';

export class SessionCloseListeners {
  private readonly listeners = new Set<(reason: string) => void>();
  private readonly logger: Logger;
  private readonly thrownText: string;
  private closeReason: string | undefined;

  /** `thrownText` is the log line for a listener that throws. */
  constructor(logger: Logger, thrownText: string) {
    this.logger = logger;
    this.thrownText = thrownText;
  }

  /** Why the session closed, once it has. */
  get reason(): string | undefined {
    return this.closeReason;
  }

  /** Adds a listener (run at once if already closed); returns its removal. */
  add(listener: (reason: string) => void): () => void {
    if (this.closeReason !== undefined) {
      listener(this.closeReason);
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs the listeners once; a throwing listener is logged and the others still run. */
  fire(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    for (const l of this.listeners) {
      try {
        l(reason);
      } catch (e) {
        this.logger.error(this.thrownText, { error: String(e) });
      }
    }
    this.listeners.clear();
  }
}
