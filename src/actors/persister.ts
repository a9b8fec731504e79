import type { Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { ActorTree } from './actor-tree.js';
import type { Clock } from './clock.js';
import { encodeRecord } from './snapshot-record.js';
import type { SnapshotStore } from './snapshot-store.js';

/**
 * Keeps the snapshot store in step with the actors. Any event an actor receives schedules
 * one flush `delayMs` later (default 50 ms, so a breaker change is on disk well within
 * 100 ms); a flush writes, in one atomic batch, every actor whose persisted snapshot differs
 * from what was last written, and deletes the records of actors no longer in the tree (a
 * config reload, on `fleet$`) or dropped at boot. A slower sweep (`sweepMs`) is a safety net.
 * `stop` flushes once more with `sync` and stops; it does not close
 * the store. Write errors are logged and retried on the next flush, never thrown.
 */
export interface Persister {
  flush(sync?: boolean): Promise<void>;
  stop(): Promise<void>;
}

export interface PersisterOptions {
  readonly tree: ActorTree;
  readonly store: SnapshotStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Stored ids to delete at the first flush (records of actors the config dropped). */
  readonly dropped?: readonly string[];
  /** Identity per actor id, stored with the record (see restore.ts). */
  readonly identities?: ReadonlyMap<string, string>;
  readonly delayMs?: number;
  readonly sweepMs?: number;
}

export function startPersister(options: PersisterOptions): Persister {
  const { tree, store, clock, logger } = options;
  const delayMs = options.delayMs ?? 50;
  const sweepMs = options.sweepMs ?? 5_000;
  /** Actor id → the encoded snapshot last written (without `savedAt`). */
  const written = new Map<string, string>();
  for (const id of store.records.keys()) written.set(id, '');
  for (const id of options.dropped ?? []) written.set(id, '');
  let timer: unknown = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  function schedule(ms: number): void {
    if (timer !== null || stopped) return;
    timer = clock.setTimeout(() => {
      timer = null;
      void flush();
    }, ms);
  }

  async function writeChanges(sync: boolean): Promise<void> {
    const current = new Set(tree.ids);
    const puts = new Map<string, string>();
    const seen = new Map<string, string>();
    for (const id of current) {
      const snapshot = JSON.stringify(tree.persisted(id));
      if (written.get(id) === snapshot) continue;
      seen.set(id, snapshot);
      puts.set(id, encodeRecord(JSON.parse(snapshot), clock.now(), options.identities?.get(id)));
    }
    const deletes = [...written.keys()].filter((id) => !current.has(id));
    try {
      await store.write(puts, deletes, sync);
    } catch (error) {
      logger.warn({ err: error, dataDir: store.location }, 'could not write actor snapshots; will retry');
      schedule(1_000);
      return;
    }
    for (const [id, snapshot] of seen) written.set(id, snapshot);
    for (const id of deletes) written.delete(id);
  }

  function flush(sync = false): Promise<void> {
    running = running.then(() => writeChanges(sync));
    return running;
  }

  const subscription: Subscription = tree.changes$.subscribe(() => schedule(delayMs));
  subscription.add(tree.fleet$.subscribe(() => schedule(0)));
  const sweep = setInterval(() => schedule(0), sweepMs);
  sweep.unref();
  schedule(0);

  return {
    flush,
    async stop() {
      stopped = true;
      subscription.unsubscribe();
      clearInterval(sweep);
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      await flush(true);
    },
  };
}
