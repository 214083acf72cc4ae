/**
 * What every UC platform adapter shares: the typed event surface of {@link UcPlatform} and the
 * connection-state cell that emits `connectionState` only when the state or its reason changes.
 */
import { TypedEmitter } from '../lib/typed-emitter.ts';
import type { UcConnectionState, UcPlatformEvents } from './uc-platform.ts';

/** Base class of the adapters in `uc/` (not part of the connector-facing interface). */
export abstract class UcPlatformBase extends TypedEmitter<UcPlatformEvents> {
  abstract readonly kind: string;
  private state: UcConnectionState = 'stopped';
  private detail: string | undefined;

  /** The current link state (the last value emitted on `connectionState`). */
  get connectionState(): UcConnectionState {
    return this.state;
  }

  /** The reason given with the current state, if any. */
  get connectionDetail(): string | undefined {
    return this.detail;
  }

  /** Sets the state; emits `connectionState` when the state or the detail changed. */
  protected setConnectionState(state: UcConnectionState, detail?: string): void {
    if (state === this.state && detail === this.detail) return;
    this.state = state;
    this.detail = detail;
    this.safeEmit('connectionState', state, detail);
  }
}
