import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Subscription } from 'rxjs';
import type { BreakerInput } from '../machines/breaker.js';
import type { BreakerEvent } from '../machines/types.js';
import type { ActorTree } from '../actors/actor-tree.js';
import type { Clock } from '../shared/clock.js';

/**
 * The event log recorder: an NDJSON file to which every event sent to an actor is appended.
 *
 * A recording session starts with one header line (`EventLogHeader`): the fusebox version, the
 * actor layout and every actor's starting persisted snapshot, so a log recorded after a
 * restore replays from the restored state. Every later line is one `EventLogLine`:
 * `{"at": <ms>, "actor": "<id>", "event": {...}}`, in the order the actors received them.
 * A file may hold several sessions (the file is appended to, and a config reload that changes
 * the fleet writes a new header); replay starts over at each header.
 *
 * Lines are buffered and written `flushMs` (default 500 ms) after the first of a batch, when
 * the buffer is large, and on `close`, so a crash loses at most the last second; the flush
 * timer is armed only while lines wait, so an idle recorder never wakes the process. Nothing secret is
 * written: events and layouts name credentials by id only.
 */
export const EVENT_LOG_FORMAT = 'fusebox-event-log/2';

/**
 * Formats replay still reads: format 1 (before `isolated` was a state and a credential's
 * 429 / 401 had events of their own) is migrated on read (event-upgrade.ts, upgradeSnapshot).
 */
export const READABLE_FORMATS: readonly string[] = ['fusebox-event-log/1', EVENT_LOG_FORMAT];

export interface EventLogHeader {
  readonly format: string;
  readonly fusebox: string;
  /** When recording started (ms since the epoch). */
  readonly at: number;
  readonly layout: readonly BreakerInput[];
  /** Actor id → `getPersistedSnapshot()` at the start of recording. */
  readonly snapshots: Readonly<Record<string, unknown>>;
}

export interface EventLogLine {
  readonly at: number;
  readonly actor: string;
  readonly event: BreakerEvent;
}

export interface EventRecorder {
  readonly file: string;
  /** Writes out what is buffered. */
  flush(): void;
  /** Flushes and closes the file; later events are not recorded. */
  close(): void;
}

export interface RecorderOptions {
  readonly file: string;
  readonly tree: ActorTree;
  readonly clock: Clock;
  readonly version: string;
  readonly flushMs?: number;
  /** Flush early once this many lines wait. */
  readonly maxBuffered?: number;
}

export function headerOf(tree: ActorTree, at: number, version: string): EventLogHeader {
  const snapshots: Record<string, unknown> = {};
  for (const id of tree.ids) snapshots[id] = tree.persisted(id);
  return { format: EVENT_LOG_FORMAT, fusebox: version, at, layout: tree.layout, snapshots };
}

export function startEventLog(options: RecorderOptions): EventRecorder {
  const { file, tree } = options;
  const maxBuffered = options.maxBuffered ?? 512;
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a');
  writeSync(fd, `${JSON.stringify(headerOf(tree, options.clock.now(), options.version))}\n`);
  let buffer: string[] = [];
  let open = true;

  let timer: NodeJS.Timeout | null = null;
  const flushMs = options.flushMs ?? 500;

  function add(line: string): void {
    buffer.push(line);
    if (buffer.length >= maxBuffered) flush();
    else if (timer === null) {
      timer = setTimeout(flush, flushMs);
      timer.unref();
    }
  }

  function flush(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (!open || buffer.length === 0) return;
    const text = `${buffer.join('\n')}\n`;
    buffer = [];
    writeSync(fd, text);
  }

  const subscription: Subscription = tree.changes$.subscribe(({ actorId, event }) => {
    const line: EventLogLine = { at: event.at, actor: actorId, event };
    add(JSON.stringify(line));
  });
  // A config reload changed the fleet: a new session, from the actors as they are now.
  subscription.add(tree.fleet$.subscribe(() => add(JSON.stringify(headerOf(tree, options.clock.now(), options.version)))));

  return {
    file,
    flush,
    close() {
      if (!open) return;
      subscription.unsubscribe();
      flush();
      open = false;
      closeSync(fd);
    },
  };
}
