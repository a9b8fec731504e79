import type { Logger } from 'pino';
import type { ActorTree } from '../actors/actor-tree.js';
import type { SharedCredential } from '../machines/breaker-shared.js';
import type { RedisLink } from './redis-link.js';
import { changedParts, knownParts, localPart, restoredParts } from './shared-parts.js';
import { entryFields, fieldOf, partJson, partsOf, readEntry, readPart, type ClusterKeys, type Part } from './wire.js';

/**
 * Keeping this instance's actors a local view of the cluster's shared state:
 * - publish: each shared change an actor makes (shared-parts.ts) is appended to the stream
 *   and written to the state hash (one MULTI), without anyone waiting for it;
 * - adopt: every other instance's entry, read by a blocking XREAD on the reader connection,
 *   is sent to the actor as `cluster.synced` (which is never published again);
 * - catch up, on the first connect and after every loss: read the stream's last id, adopt
 *   the state hash, write back what this instance changed meanwhile, then read on from that id.
 * Conflicts are settled part by part, the later `at` winning (the same `at`: the remote one).
 */
export interface StateSync {
  /** Shared changes made while Redis was away, not yet written. */
  readonly unpublished: number;
  stop(): void;
}

export interface StateSyncOptions {
  readonly tree: ActorTree;
  readonly link: RedisLink;
  readonly keys: ClusterKeys;
  readonly instanceId: string;
  readonly streamMaxLength: number;
  readonly logger: Logger;
  readonly blockMs: number;
}

const READ_COUNT = 500;
const RETRY_MS = 100;

export function startStateSync(options: StateSyncOptions): StateSync {
  const { tree, link, keys, instanceId, logger } = options;
  const known = knownParts();
  const dirty = new Map<string, Part>();
  for (const part of restoredParts(tree)) {
    known.set(part);
    dirty.set(fieldOf(part), part);
  }
  let stopped = false;
  const isStopped = () => stopped;
  let flushing = false;
  let lastId = '0-0';
  let needsCatchUp = true;

  const subscription = tree.changes$.subscribe((change) => {
    const parts = changedParts(change, known);
    if (parts.length === 0) return;
    for (const part of parts) {
      known.set(part);
      dirty.set(fieldOf(part), part);
    }
    scheduleFlush();
  });
  link.onReady(() => {
    needsCatchUp = true;
  });

  function scheduleFlush(): void {
    if (flushing || !link.connected() || needsCatchUp) return;
    flushing = true;
    queueMicrotask(
      () =>
        void flush().finally(() => {
          flushing = false;
          if (dirty.size > 0 && link.connected()) scheduleFlush();
        }),
    );
  }

  /** Writes every dirty part: one stream entry per actor, and the state hash. */
  async function flush(): Promise<void> {
    while (dirty.size > 0 && !isStopped() && link.connected()) {
      const batch = [...dirty.entries()];
      const byActor = new Map<string, Part[]>();
      for (const [, part] of batch) byActor.set(part.actorId, [...(byActor.get(part.actorId) ?? []), part]);
      const multi = link.commands.multi();
      for (const [actorId, parts] of byActor) {
        multi.xadd(keys.events, 'MAXLEN', '~', options.streamMaxLength, '*', ...entryFields(instanceId, actorId, parts));
      }
      multi.hset(keys.state, ...batch.flatMap(([field, part]) => [field, partJson(part)]));
      try {
        await multi.exec();
      } catch {
        return;
      }
      for (const [field, part] of batch) if (dirty.get(field) === part) dirty.delete(field);
    }
  }

  /** Adopts the remote parts that are news to this instance (the later `at` wins). */
  function adopt(parts: readonly Part[]): void {
    const byActor = new Map<string, { at: number; breaker?: Part; credentials: SharedCredential[] }>();
    for (const remote of parts) {
      const part = localPart(remote, tree);
      if (!part) continue;
      const mine = 'breaker' in part ? known.breaker(part.actorId) : known.credential(part.actorId, part.credential.slot);
      if (mine && (mine.at > part.at || partJson(mine) === partJson(part))) continue;
      known.set(part);
      dirty.delete(fieldOf(part));
      const entry = byActor.get(part.actorId) ?? { at: part.at, credentials: [] };
      entry.at = Math.max(entry.at, part.at);
      if ('breaker' in part) entry.breaker = part;
      else entry.credentials.push(withoutSlot(part.credential));
      byActor.set(part.actorId, entry);
    }
    for (const [actorId, entry] of byActor) {
      const breaker = entry.breaker && 'breaker' in entry.breaker ? entry.breaker.breaker : undefined;
      tree.send(actorId, {
        type: 'cluster.synced',
        at: entry.at,
        ...(breaker ? { breaker } : {}),
        ...(entry.credentials.length ? { credentials: entry.credentials } : {}),
      });
    }
  }

  async function catchUp(): Promise<void> {
    const last = (await link.commands.xrevrange(keys.events, '+', '-', 'COUNT', 1)) as [string, string[]][];
    const hash = await link.commands.hgetall(keys.state);
    const remote = new Map<string, Part>();
    for (const [field, json] of Object.entries(hash)) {
      const part = readPart(field, json);
      if (part) remote.set(field, part);
    }
    adopt([...remote.values()]);
    for (const part of known.all()) {
      const theirs = remote.get(fieldOf(part));
      if (!theirs || theirs.at < part.at) dirty.set(fieldOf(part), part);
    }
    lastId = last[0]?.[0] ?? '0-0';
    needsCatchUp = false;
    await flush();
  }

  async function readOnce(): Promise<void> {
    const reply = await link.reader.xread('COUNT', READ_COUNT, 'BLOCK', options.blockMs, 'STREAMS', keys.events, lastId);
    const parts: Part[] = [];
    for (const [, entries] of reply ?? []) {
      for (const [id, fields] of entries) {
        lastId = id;
        const entry = readEntry(fields);
        if (entry && entry.instanceId !== instanceId) parts.push(...partsOf(entry));
      }
    }
    if (parts.length > 0) adopt(parts);
  }

  async function run(): Promise<void> {
    while (!isStopped()) {
      try {
        await link.ready();
        if (isStopped()) return;
        if (needsCatchUp) await catchUp();
        await readOnce();
      } catch (error) {
        if (isStopped()) return;
        if (link.connected()) logger.debug({ err: (error as Error).message }, 'cluster: read failed; retrying');
        needsCatchUp = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
  }
  void run();

  return {
    get unpublished() {
      return dirty.size;
    },
    stop() {
      stopped = true;
      subscription.unsubscribe();
    },
  };
}

function withoutSlot(credential: SharedCredential & { slot?: number }): SharedCredential {
  const { slot: _slot, ...shared } = credential;
  return shared;
}
