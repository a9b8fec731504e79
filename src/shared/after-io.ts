/**
 * Work that can wait for the end of the current turn of the event loop: queued calls run in
 * order from one `setImmediate`, after the I/O callbacks of this turn. The gateway defers each
 * finished request's metrics and log line this way, so requests and stream chunks that arrived
 * in the same turn are served before the bookkeeping of those that ended. `flush` runs what
 * waits at once (shutdown).
 */
export interface AfterIo<A extends unknown[]> {
  push(...args: A): void;
  flush(): void;
}

export function afterIo<A extends unknown[]>(work: (...args: A) => void, onError: (error: unknown) => void): AfterIo<A> {
  let queue: A[] = [];
  let scheduled: NodeJS.Immediate | null = null;
  function flush(): void {
    if (scheduled !== null) clearImmediate(scheduled);
    scheduled = null;
    const items = queue;
    queue = [];
    for (const args of items) {
      try {
        work(...args);
      } catch (error) {
        onError(error);
      }
    }
  }
  return {
    push(...args) {
      queue.push(args);
      scheduled ??= setImmediate(flush);
    },
    flush,
  };
}
