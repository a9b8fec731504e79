import type { Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { ActorChange, ActorTree } from '../actors/actor-tree.js';
import type { Clock } from '../shared/clock.js';
import { encodeRecordJson } from './snapshot-record.js';
import type { SnapshotStore } from './snapshot-store.js';

/**
 * Keeps the snapshot store in step with the actors. An event that changes what a restart must
 * know at once (a breaker state, a deadline, a cooldown, a disabled credential, an operator
 * control, a config change) schedules a flush `delayMs` later (default 50 ms, so it is on disk
 * well within 100 ms), stretched for records larger than URGENT_BYTES so that urgent writes
 * re-encode at most URGENT_BYTES per actor per `delayMs`, never more than MAX_URGENT_MS after
 * the actor's last write (why: docs/performance.md, "Why the hot path is shaped as it is").
 * Routine bookkeeping (a success, a returned permit) waits for a routine write: `lazyMs` after
 * the actor's last write (default 1 s), stretched for large records so that routine writes
 * re-encode at most ROUTINE_BYTES per actor per `lazyMs`, never more than MAX_ROUTINE_MS
 * after it. A flush encodes the due actors only and writes, in one atomic batch, those
 * whose snapshot differs from what was last written, and deletes the records of actors no
 * longer in the tree (a config reload, on `fleet$`) or dropped at boot. `stop` flushes every
 * actor once more with `sync` and stops; it does not close the store. Write errors are logged
 * and retried, never thrown.
 */
export const ROUTINE_BYTES = 64 * 1024;
export const MAX_ROUTINE_MS = 60_000;
export const URGENT_BYTES = 256 * 1024;
export const MAX_URGENT_MS = 1_000;

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
}

/** Whether a change must reach the disk soon, or can wait for the next lazy flush. */
export function isUrgent(change: ActorChange): boolean {
  if (change.from !== change.to) return true;
  const event = change.event;
  switch (event.type) {
    case 'call.succeeded':
    case 'calls.succeeded':
    case 'call.released':
    case 'probe.start':
    case 'health.probe.succeeded':
    case 'health.probe.failed':
      return false;
    case 'call.failed':
      return false;
    default:
      return true;
  }
}

export function startPersister(options: PersisterOptions): Persister {
  const { tree, store, clock, logger } = options;
  const delayMs = options.delayMs ?? 50;
  const lazyMs = options.lazyMs ?? 1_000;
  /** Actors to write at the next flush; null = every actor (boot, reload, stop). */
  let urgent: Set<string> | null = null;
  /** Actors with routine changes only, written once their pace allows. */
  const routine = new Set<string>();
  /** Actor id → the encoded snapshot last written (without `savedAt`), and when. */
  const written = new Map<string, string>();
  const writtenAt = new Map<string, number>();
  for (const id of store.records.keys()) written.set(id, '');
  for (const id of options.dropped ?? []) written.set(id, '');
  let timer: unknown = null;
  let timerDue = Infinity;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  function schedule(ms: number): void {
    if (stopped) return;
    const due = clock.now() + Math.max(0, ms);
    if (timer !== null && timerDue <= due) return;
    if (timer !== null) clock.clearTimeout(timer);
    timerDue = due;
    timer = clock.setTimeout(
      () => {
        timer = null;
        timerDue = Infinity;
        void flush();
      },
      Math.max(0, ms),
    );
  }

  /** When an actor's routine changes may next be written: its pace grows with its size. */
  function routineDue(id: string): number {
    const last = writtenAt.get(id);
    if (last === undefined) return 0;
    const bytes = written.get(id)?.length ?? 0;
    return last + Math.min(MAX_ROUTINE_MS, lazyMs * Math.max(1, bytes / ROUTINE_BYTES));
  }

  /** When an actor's urgent changes may next be written: at once, unless it is very large. */
  function urgentDue(id: string): number {
    const last = writtenAt.get(id);
    const bytes = written.get(id)?.length ?? 0;
    if (last === undefined || bytes <= URGENT_BYTES) return 0;
    return last + Math.min(MAX_URGENT_MS, (delayMs * bytes) / URGENT_BYTES);
  }

  function markAll(): void {
    urgent = null;
    schedule(0);
  }

  /** The actors this flush writes; routine ones not yet due stay behind, with a timer for them. */
  function takeDue(current: ReadonlySet<string>): Set<string> {
    if (urgent === null) {
      routine.clear();
      urgent = new Set();
      return new Set(current);
    }
    const now = clock.now();
    const due = new Set<string>();
    let next = Infinity;
    for (const id of urgent) {
      const at = urgentDue(id);
      if (at > now) next = Math.min(next, at);
      else {
        due.add(id);
        urgent.delete(id);
      }
    }
    for (const id of routine) {
      const at = routineDue(id);
      if (at <= now || due.has(id)) {
        due.add(id);
        routine.delete(id);
      } else {
        next = Math.min(next, at);
      }
    }
    if (next !== Infinity) schedule(next - now);
    return due;
  }

  async function writeChanges(sync: boolean): Promise<void> {
    const current = new Set(tree.ids);
    const due = takeDue(current);
    const puts = new Map<string, string>();
    const seen = new Map<string, string>();
    for (const id of due) {
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
      urgent = null;
      schedule(1_000);
      return;
    }
    const at = clock.now();
    for (const [id, snapshot] of seen) {
      written.set(id, snapshot);
      writtenAt.set(id, at);
    }
    for (const id of deletes) {
      written.delete(id);
      writtenAt.delete(id);
    }
  }

  function flush(sync = false): Promise<void> {
    running = running.then(() => writeChanges(sync));
    return running;
  }

  const subscription: Subscription = tree.changes$.subscribe((change) => {
    if (isUrgent(change)) {
      urgent?.add(change.actorId);
      schedule(Math.max(delayMs, urgentDue(change.actorId) - clock.now()));
    } else {
      routine.add(change.actorId);
      schedule(routineDue(change.actorId) - clock.now());
    }
  });
  subscription.add(tree.fleet$.subscribe(markAll));
  markAll();

  return {
    flush,
    async stop() {
      stopped = true;
      subscription.unsubscribe();
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      urgent = null;
      await flush(true);
    },
  };
}
