import { MemoryLevel } from 'memory-level';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createActorTree } from '../../../src/actors/actor-tree.js';
import { startPersister } from '../../../src/persistence/persister.js';
import { encodeRecord, SCHEMA_VERSION } from '../../../src/persistence/snapshot-record.js';
import { openSnapshotStore, type StoreDb } from '../../../src/persistence/snapshot-store.js';
import type { Clock } from '../../../src/shared/clock.js';
import type { BreakerInput } from '../../../src/machines/breaker.js';

const policy = { failureThreshold: 2, recoveryMs: 1_000, halfOpenProbes: 1 };
const layout: BreakerInput[] = [
  { id: 'backend:a', role: 'backend', policy },
  { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }] },
];

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

function memoryDb(): StoreDb {
  return new MemoryLevel<string, string>() as unknown as StoreDb;
}

/** A clock whose timers run when the test says so. */
function manualClock(start = 10_000) {
  let now = start;
  const timers = new Map<number, () => void>();
  let next = 0;
  const clock: Clock = {
    now: () => now,
    setTimeout: (callback) => {
      timers.set(++next, callback);
      return next;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
  };
  const runTimers = () => {
    const due = [...timers.values()];
    timers.clear();
    for (const callback of due) callback();
  };
  return { clock, runTimers, advance: (ms: number) => (now += ms) };
}

async function rawActors(db: StoreDb): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const [key, value] of db.sublevel('actors', {}).iterator()) out.set(key, value);
  return out;
}

describe('snapshot store (memory-level)', () => {
  it('keeps a fingerprint key across opens', async () => {
    const db = memoryDb();
    const { logger } = capture();
    const first = await openSnapshotStore({ db, logger, now: () => 0 });
    const key = first.fingerprintKey;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const again = await openSnapshotStore({ db, logger, now: () => 0 });
    expect(again.fingerprintKey).toBe(key);
  });

  it('writes changed actors in one batch after an event, and restores them', async () => {
    const db = memoryDb();
    const { logger } = capture();
    const store = await openSnapshotStore({ db, logger, now: () => 0 });
    const tree = createActorTree({ layout });
    const { clock, runTimers } = manualClock();
    const persister = startPersister({ tree, store, clock, logger });
    runTimers();
    await persister.flush();
    expect([...(await rawActors(db)).keys()].sort()).toEqual(['backend:a', 'pool:a:default']);
    tree.send('backend:a', { type: 'call.failed', at: 100, probe: false, code: 'http_503' });
    tree.send('backend:a', { type: 'call.failed', at: 200, probe: false, code: 'http_503' });
    runTimers();
    await persister.flush();
    const stored = JSON.parse((await rawActors(db)).get('backend:a')!) as {
      schema: number;
      snapshot: { value: string; context: { openUntil: number } };
    };
    expect(stored.schema).toBe(SCHEMA_VERSION);
    expect(stored.snapshot.value).toBe('open');
    expect(stored.snapshot.context.openUntil).toBe(1_200);
    await persister.stop();
    tree.stop();
    const reopened = await openSnapshotStore({ db, logger, now: () => 0 });
    expect(reopened.records.get('backend:a')?.snapshot.value).toBe('open');
  });

  it('discards undecodable and other-schema records with a warning, and deletes them', async () => {
    const db = memoryDb();
    const actors = db.sublevel('actors', {});
    const tree = createActorTree({ layout });
    const good = encodeRecord(tree.persisted('backend:a'), 1);
    await actors.put('backend:a', good);
    await actors.put('baseurl:a:0', '{not json');
    await actors.put('baseurl:a:1', JSON.stringify({ schema: 0, snapshot: {} }));
    await actors.put('baseurl:a:2', JSON.stringify({ schema: 99, savedAt: 1, snapshot: {} }));
    await actors.put(
      'baseurl:a:3',
      JSON.stringify({ schema: SCHEMA_VERSION, savedAt: 1, snapshot: { status: 'active', value: 'ajar', context: {} } }),
    );
    const { logger, lines } = capture();
    const store = await openSnapshotStore({ db, logger, now: () => 0 });
    expect([...store.records.keys()]).toEqual(['backend:a']);
    const warned = lines.filter((line) => line.msg === 'discarding a stored snapshot; the actor starts fresh');
    expect(warned.map((line) => line.actor)).toEqual(['baseurl:a:0', 'baseurl:a:1', 'baseurl:a:2', 'baseurl:a:3']);
    expect(String(warned[1]?.reason)).toContain('schema 0 is older');
    expect(String(warned[2]?.reason)).toContain('newer');
    expect([...(await rawActors(db)).keys()]).toEqual(['backend:a']);
  });

  it('deletes records of actors the tree no longer has', async () => {
    const db = memoryDb();
    const { logger } = capture();
    const actors = db.sublevel('actors', {});
    const other = createActorTree({ layout: [{ id: 'backend:gone', role: 'backend', policy }] });
    await actors.put('backend:gone', encodeRecord(other.persisted('backend:gone'), 1));
    const store = await openSnapshotStore({ db, logger, now: () => 0 });
    const tree = createActorTree({ layout });
    const { clock } = manualClock();
    const persister = startPersister({ tree, store, clock, logger });
    await persister.stop();
    expect([...(await rawActors(db)).keys()].sort()).toEqual(['backend:a', 'pool:a:default']);
  });
});
