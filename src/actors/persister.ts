import type { Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { ActorChange, ActorTree } from './actor-tree.js';
import type { Clock } from './clock.js';
import { encodeRecordJson } from './snapshot-record.js';
import type { SnapshotStore } from './snapshot-store.js';

/**
 * Keeps the snapshot store in step with the actors. An event that changes what a restart must
 * know at once (a breaker state, a deadline, a cooldown, a disabled credential, an operator
 * control, a config change) schedules a flush `delayMs` later (default 50 ms, so it is on disk
 * well within 100 ms); routine bookkeeping (a success, a returned permit) only marks its actor
 * dirty for the next flush, at most `lazyMs` later (default 1 s), so a busy gateway does not
 * re-encode its pools twenty times a second. A flush encodes the dirty actors only and writes,
 * in one atomic batch, those whose snapshot differs from what was last written, and deletes the
 * records of actors no longer in the tree (a config reload, on `fleet$`) or dropped at boot. A
 * slower sweep (`sweepMs`) re-checks every actor as a safety net.
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
  readonly lazyMs?: number;
  readonly sweepMs?: number;
}

/** Whether a change must reach the disk soon, or can wait for the next lazy flush. */
export function isUrgent(change: ActorChange): boolean {
  if (change.from !== change.to) return true;
  const event = change.event;
  switch (event.type) {
    case 'call.succeeded':
    case 'call.released':
    case 'probe.start':
    case 'health.probe.succeeded':
    case 'health.probe.failed':
      return false;
    case 'call.failed':
      return event.cooldownUntil !== undefined || event.disable === true;
    default:
      return true;
  }
}

export function startPersister(options: PersisterOptions): Persister {
  const { tree, store, clock, logger } = options;
  const delayMs = options.delayMs ?? 50;
  const lazyMs = options.lazyMs ?? 1_000;
  const sweepMs = options.sweepMs ?? 5_000;
  /** Actors changed since the last flush; null = check every actor (boot, reload, sweep). */
  let dirty: Set<string> | null = null;
  /** Actor id → the encoded snapshot last written (without `savedAt`). */
  const written = new Map<string, string>();
  for (const id of store.records.keys()) written.set(id, '');
  for (const id of options.dropped ?? []) written.set(id, '');
  let timer: unknown = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  let timerDue = Infinity;
  function schedule(ms: number): void {
    if (stopped) return;
    const due = clock.now() + ms;
    if (timer !== null && timerDue <= due) return;
    if (timer !== null) clock.clearTimeout(timer);
    timerDue = due;
    timer = clock.setTimeout(() => {
      timer = null;
      timerDue = Infinity;
      void flush();
    }, ms);
  }

  function markAll(): void {
    dirty = null;
    schedule(0);
  }

  async function writeChanges(sync: boolean): Promise<void> {
    const current = new Set(tree.ids);
    const toCheck = dirty === null ? current : dirty;
    dirty = new Set();
    const puts = new Map<string, string>();
    const seen = new Map<string, string>();
    for (const id of toCheck) {
      if (!current.has(id)) continue;
      const snapshot = JSON.stringify(tree.persisted(id));
      if (written.get(id) === snapshot) continue;
      seen.set(id, snapshot);
      puts.set(id, encodeRecordJson(snapshot, clock.now(), options.identities?.get(id)));
    }
    const deletes = [...written.keys()].filter((id) => !current.has(id));
    try {
      await store.write(puts, deletes, sync);
    } catch (error) {
      logger.warn({ err: error, dataDir: store.location }, 'could not write actor snapshots; will retry');
      dirty = null;
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

  const subscription: Subscription = tree.changes$.subscribe((change) => {
    dirty?.add(change.actorId);
    schedule(isUrgent(change) ? delayMs : lazyMs);
  });
  subscription.add(tree.fleet$.subscribe(markAll));
  const sweep = setInterval(markAll, sweepMs);
  sweep.unref();
  markAll();

  return {
    flush,
    async stop() {
      stopped = true;
      subscription.unsubscribe();
      clearInterval(sweep);
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      dirty = null;
      await flush(true);
    },
  };
}
