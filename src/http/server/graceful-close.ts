import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../../shared/clock.js';

/**
 * Graceful close of the front door. While the in-flight work drains, the server keeps
 * listening and keeps its connections, so a request that arrives meanwhile (on a new or a
 * kept-alive connection) is answered (503 `shutting_down`, see server.ts) instead of being
 * refused or reset; every response from then on, in-flight ones included, ends its connection.
 * Once drained the server stops listening and closes idle connections. `graceMs` bounds the
 * whole close: when it passes, every remaining connection is destroyed, which aborts the
 * requests still running (their client is gone), and the close waits for them to finish.
 */
export interface GracefulClose {
  /** True once `close` began. */
  readonly closing: boolean;
  /** Call for every request: a response still open when the close begins ends its connection. */
  track(res: ServerResponse): void;
  /** Resolves when the server is closed and `drain` (the in-flight work) has resolved. */
  close(drain: () => Promise<void>, graceMs: number): Promise<void>;
}

export function createGracefulClose(server: Server, clock: Clock): GracefulClose {
  const live = new Set<ServerResponse>();
  let closing = false;
  /** One listener for every response (node calls it with the response as `this`), not a closure each. */
  function untrack(this: ServerResponse): void {
    live.delete(this);
  }

  return {
    get closing() {
      return closing;
    },
    track(res) {
      if (closing) {
        endConnectionAfter(res);
        return;
      }
      live.add(res);
      res.on('close', untrack);
    },
    async close(drain, graceMs) {
      closing = true;
      for (const res of live) endConnectionAfter(res);
      live.clear();
      let timer: unknown;
      const late = new Promise<'late'>((resolve) => {
        timer = clock.setTimeout(() => resolve('late'), graceMs);
      });
      let outcome = await Promise.race([drain().then(() => 'done' as const), late]);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (outcome === 'done') outcome = await Promise.race([stopped.then(() => 'done' as const), late]);
      clock.clearTimeout(timer);
      if (outcome === 'late') server.closeAllConnections();
      await stopped;
      await drain();
    },
  };
}

/** The response says `connection: close` if its head is not out yet; either way its connection ends after it. */
function endConnectionAfter(res: ServerResponse): void {
  if (!res.headersSent) res.shouldKeepAlive = false;
  const socket: Socket | null = res.socket;
  if (!socket) return;
  res.once('finish', () => socket.end());
}
