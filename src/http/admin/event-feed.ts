import type { ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import type { ActorChange, ActorTree } from '../../actors/actor-tree.js';
import type { Clock } from '../../shared/clock.js';
import { actorReport } from './actor-report.js';

/**
 * The admin Server-Sent Events feed (GET /admin/events). Each client first gets
 * `event: snapshot` (every actor), then:
 * - `event: transition` at once for every state change and every operator event;
 * - `event: actor` for other changes (health, counters), coalesced per actor and flushed
 *   every `flushMs`, so a busy gateway does not flood the feed;
 * - `event: fleet` after a config reload (actors added, removed, updated);
 * - a `: ping` comment every `heartbeatMs`.
 * Timers run on the injected clock and only when due: the heartbeat while a client is
 * connected, the flush once an actor has changed since the last one; a feed with no client
 * arms none. A client that stops reading (more than `maxBufferedBytes` unsent) is disconnected.
 * Payloads are actor reports: ids, states and numbers only, never a secret.
 */
export interface AdminFeed {
  /** Takes over `res` for the lifetime of the client's connection. */
  attach(res: ServerResponse, requestId: string): void;
  publish(event: string, data: unknown): void;
  readonly clients: number;
  /** Ends every client's stream (graceful shutdown) and stops listening to the actors. */
  close(): void;
}

export interface AdminFeedOptions {
  readonly tree: ActorTree;
  readonly clock: Clock;
  readonly flushMs?: number;
  readonly heartbeatMs?: number;
  readonly maxBufferedBytes?: number;
}

export function createAdminFeed(options: AdminFeedOptions): AdminFeed {
  const { tree, clock } = options;
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const clients = new Set<ServerResponse>();
  let sequence = 0;

  const send = (res: ServerResponse, event: string, data: unknown) => {
    if (res.writableLength > maxBuffered) {
      leave(res);
      res.destroy();
      return;
    }
    sequence += 1;
    res.write(`id: ${sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const publish = (event: string, data: unknown) => {
    for (const res of clients) send(res, event, data);
  };
  const snapshot = () => ({ now: clock.now(), actors: tree.ids.map((id) => actorReport(tree.view(id), clock.now())) });

  const watch = watchActors(options, () => clients.size > 0, publish);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let heartbeat: unknown = null;
  const beat = () => {
    heartbeat = null;
    for (const res of clients) res.write(': ping\n\n');
    armHeartbeat();
  };
  const armHeartbeat = () => {
    if (heartbeat === null && clients.size > 0) heartbeat = clock.setTimeout(beat, heartbeatMs);
  };
  const disarmHeartbeat = () => {
    if (heartbeat !== null) clock.clearTimeout(heartbeat);
    heartbeat = null;
  };
  const leave = (res: ServerResponse) => {
    clients.delete(res);
    if (clients.size === 0) disarmHeartbeat();
  };

  return {
    attach(res, requestId) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-store',
        'x-accel-buffering': 'no',
        'x-request-id': requestId,
      });
      res.write('retry: 2000\n\n');
      clients.add(res);
      armHeartbeat();
      res.on('close', () => leave(res));
      send(res, 'snapshot', snapshot());
    },
    publish,
    get clients() {
      return clients.size;
    },
    close() {
      watch.stop();
      disarmHeartbeat();
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}

/** Transitions go out at once; other changes mark their actor dirty until the next flush. */
function watchActors(options: AdminFeedOptions, listening: () => boolean, publish: AdminFeed['publish']): { stop(): void } {
  const { tree, clock } = options;
  const dirty = new Set<string>();
  let flushTimer: unknown = null;
  const flush = () => {
    flushTimer = null;
    for (const id of dirty) if (tree.ids.includes(id)) publish('actor', actorReport(tree.view(id), clock.now()));
    dirty.clear();
  };
  const subscription: Subscription = tree.changes$.subscribe((change) => {
    if (!listening()) return;
    if (isTransition(change)) {
      dirty.delete(change.actorId);
      publish('transition', transitionData(change, clock.now()));
    } else {
      dirty.add(change.actorId);
      flushTimer ??= clock.setTimeout(flush, options.flushMs ?? 250);
    }
  });
  return {
    stop() {
      subscription.unsubscribe();
      if (flushTimer !== null) clock.clearTimeout(flushTimer);
      flushTimer = null;
      dirty.clear();
    },
  };
}

function isTransition(change: ActorChange): boolean {
  return change.from !== change.to || change.event.type.startsWith('operator.');
}

function transitionData(change: ActorChange, now: number): unknown {
  return {
    actorId: change.actorId,
    from: change.from,
    to: change.to,
    event: change.event.type,
    at: change.event.at,
    reason: change.after.context.lastTransition?.reason ?? null,
    actor: actorReport(change.after, now),
  };
}
