import { MemoryLevel } from 'memory-level';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createActorTree, type ActorChange } from '../../../src/actors/actor-tree.js';
import type { Clock } from '../../../src/shared/clock.js';
import { isUrgent, ROUTINE_BYTES, startPersister, URGENT_BYTES } from '../../../src/persistence/persister.js';
import { decodeRecord } from '../../../src/persistence/snapshot-record.js';
import { openSnapshotStore, type StoreDb } from '../../../src/persistence/snapshot-store.js';
import type { BreakerInput } from '../../../src/machines/breaker.js';

const policy = { failureThreshold: 2, recoveryMs: 1_000, halfOpenProbes: 1 };
const layout: BreakerInput[] = [
  { id: 'backend:a', role: 'backend', policy },
  { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }] },
];

/** A clock that records the delay of every timer asked for and runs them only on demand. */
function recordingClock(time = { now: 50_000 }) {
  const delays: number[] = [];
  const pending = new Map<number, () => void>();
  let next = 0;
  const clock: Clock = {
    now: () => time.now,
    setTimeout: (callback, ms) => {
      delays.push(ms);
      pending.set(++next, callback);
      return next;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  const run = () => {
    const callbacks = [...pending.values()];
    pending.clear();
    for (const callback of callbacks) callback();
  };
  return { clock, delays, run };
}

/** A snapshot store in memory that also notes the ids of every batch written. */
async function recordingStore() {
  const store = await openSnapshotStore({
    db: new MemoryLevel<string, string>() as unknown as StoreDb,
    logger: pino({ level: 'silent' }),
    now: () => 50_000,
  });
  const written: string[][] = [];
  /** The last record written per actor. */
  const latest = new Map<string, string>();
  const recording = {
    ...store,
    write: (puts: ReadonlyMap<string, string>, deletes: readonly string[], sync?: boolean) => {
      written.push([...puts.keys()]);
      for (const [id, record] of puts) latest.set(id, record);
      return store.write(puts, deletes, sync);
    },
  };
  return { store, recording, written, latest };
}

/** A pool of `keys` credentials (and any `others`), persisted once at 50,000 ms by a recording persister. */
async function bigPoolRig(keys: number, others: BreakerInput[] = []) {
  const { store, recording, written, latest } = await recordingStore();
  const credentials = Array.from({ length: keys }, (_, i) => ({ id: `key-${String(i).padStart(5, '0')}` }));
  const tree = createActorTree({ layout: [{ id: 'pool:big:default', role: 'pool', policy, credentials }, ...others] });
  const time = { now: 50_000 };
  const { clock, delays, run } = recordingClock(time);
  const persister = startPersister({ tree, store: recording, clock, logger: pino({ level: 'silent' }), delayMs: 50, lazyMs: 1_000 });
  run();
  await persister.flush();
  const bytes = JSON.stringify(tree.persisted('pool:big:default')).length;
  return { store, written, latest, tree, time, delays, run, persister, bytes };
}

describe('the snapshot persister', () => {
  it('tells urgent changes (state, cooldowns, disabled, operator) from routine bookkeeping', () => {
    const change = (event: ActorChange['event'], from = 'closed', to = 'closed') => ({ actorId: 'x', event, from, to }) as unknown as ActorChange;
    expect(isUrgent(change({ type: 'call.succeeded', at: 1, probe: false }))).toBe(false);
    expect(isUrgent(change({ type: 'call.failed', at: 1, probe: false, code: 'http_503' }))).toBe(false);
    expect(isUrgent(change({ type: 'call.failed', at: 1, probe: false, code: 'http_503' }, 'closed', 'open'))).toBe(true);
    expect(isUrgent(change({ type: 'credential.rate_limited', at: 1, probe: false, code: 'http_429', credentialId: 'k', cooldownUntil: 9 }))).toBe(
      true,
    );
    expect(isUrgent(change({ type: 'credential.rejected', at: 1, probe: false, code: 'http_401', credentialId: 'k' }))).toBe(true);
    expect(isUrgent(change({ type: 'operator.isolate', at: 1 }))).toBe(true);
  });

  it('writes a breaker change within delayMs, and routine successes only at the lazy flush', async () => {
    const { store, recording, written } = await recordingStore();
    const tree = createActorTree({ layout });
    const { clock, delays, run } = recordingClock();
    const persister = startPersister({ tree, store: recording, clock, logger: pino({ level: 'silent' }), delayMs: 50, lazyMs: 1_000 });
    run();
    await persister.flush();
    expect(written[0]).toEqual(['backend:a', 'pool:a:default']);
    delays.length = 0;
    written.length = 0;

    tree.send('backend:a', { type: 'call.succeeded', at: 50_000, probe: false });
    expect(delays).toEqual([1_000]);
    tree.send('backend:a', { type: 'call.failed', at: 50_001, probe: false, code: 'http_503' });
    tree.send('backend:a', { type: 'call.failed', at: 50_002, probe: false, code: 'http_503' });
    expect(tree.view('backend:a').state).toBe('open');
    expect(delays).toEqual([1_000, 50]);
    run();
    await persister.flush();
    // Only the actor that changed was encoded and written, not the whole fleet.
    expect(written.filter((ids) => ids.length > 0)).toEqual([['backend:a']]);
    await persister.stop();
    tree.stop();
    await store.close();
  });

  it('paces routine writes of a large pool by its size, while its cooldowns are written at once', async () => {
    const { store, written, tree, time, delays, run, persister, bytes } = await bigPoolRig(2_000);
    expect(bytes).toBeGreaterThan(2 * ROUTINE_BYTES);
    const paceMs = (1_000 * bytes) / ROUTINE_BYTES;
    delays.length = 0;
    written.length = 0;

    // A routine success asks for a write one pace after the last one, not one lazyMs.
    tree.send('pool:big:default', { type: 'call.succeeded', at: 50_000, probe: false, credentialId: 'key-00001' });
    expect(delays).toEqual([paceMs]);
    time.now = 51_000;
    run();
    await persister.flush();
    expect(written.flat()).toEqual([]);

    // A cooldown cannot wait: written at the next flush, with the routine change it carries.
    tree.send('pool:big:default', {
      type: 'credential.rate_limited',
      at: 51_000,
      probe: false,
      code: 'http_429',
      credentialId: 'key-00002',
      cooldownUntil: 60_000,
    });
    expect(delays.at(-1)).toBe(50);
    run();
    await persister.flush();
    expect(written.flat()).toEqual(['pool:big:default']);
    written.length = 0;

    tree.send('pool:big:default', { type: 'call.succeeded', at: 51_100, probe: false, credentialId: 'key-00003' });
    time.now = 51_000 + 2 * paceMs;
    run();
    await persister.flush();
    expect(written.flat()).toEqual(['pool:big:default']);
    await persister.stop();
    tree.stop();
    await store.close();
  });

  it('paces urgent writes of a very large pool too: a storm of cooldowns is written every few hundred ms, not every 50', async () => {
    const { store, written, latest, tree, time, delays, run, persister, bytes } = await bigPoolRig(4_000, [layout[0]!]);
    expect(bytes).toBeGreaterThan(3 * URGENT_BYTES);
    const paceMs = (50 * bytes) / URGENT_BYTES;
    written.length = 0;

    // 429s every 10 ms on the pool's keys; a breaker change of a small actor in the middle.
    const cooldown = (at: number, key: number) =>
      tree.send('pool:big:default', {
        type: 'credential.rate_limited',
        at,
        probe: false,
        code: 'http_429',
        credentialId: `key-${String(key).padStart(5, '0')}`,
        cooldownUntil: at + 60_000,
      });
    for (let at = 50_010, key = 0; at <= 50_000 + 2 * paceMs; at += 10, key++) {
      time.now = at;
      cooldown(at, key);
      if (key === 3) {
        tree.send('backend:a', { type: 'call.failed', at, probe: false, code: 'http_500' });
        tree.send('backend:a', { type: 'call.failed', at, probe: false, code: 'http_500' });
      }
      if (delays.length > 0 && at % 50 === 0) {
        run();
        await persister.flush();
      }
    }
    // The small actor's breaker change went out within delayMs as always.
    expect(written.flat()).toContain('backend:a');
    // The pool: written once per pace at most, and its latest cooldown is written in the end.
    const poolWrites = written.filter((ids) => ids.includes('pool:big:default')).length;
    expect(poolWrites).toBeGreaterThanOrEqual(1);
    expect(poolWrites).toBeLessThanOrEqual(2);
    time.now += paceMs;
    run();
    await persister.flush();
    const decoded = decodeRecord(latest.get('pool:big:default')!);
    expect(decoded.ok && decoded.record.snapshot).toEqual(JSON.parse(JSON.stringify(tree.persisted('pool:big:default'))));
    await persister.stop();
    tree.stop();
    await store.close();
  });
});
