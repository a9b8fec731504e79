import type { CancelSignal } from '../../routing/types.js';

/**
 * A request's cancel signal, raised when its client disconnects before the answer is complete.
 * One per request, so it is kept lighter than an AbortController (no EventTarget; why:
 * docs/performance.md): a flag and a list of listeners, each run at most once.
 */
export class ClientGone implements CancelSignal {
  aborted = false;
  private listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}
