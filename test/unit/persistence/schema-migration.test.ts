import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActorTree } from '../../../src/actors/actor-tree.js';
import { admission, credentialOf, type BreakerInput } from '../../../src/machines/breaker.js';
import { freshCredential, isUsable, RECHECK_DEFAULTS } from '../../../src/machines/credentials.js';
import { planRestore } from '../../../src/persistence/restore.js';
import { decodeRecord, SCHEMA_VERSION, upgradeSnapshot, withRefusalFields, type StoredActor } from '../../../src/persistence/snapshot-record.js';

/**
 * test/fixtures/snapshot-records-schema-2.json holds the records fusebox wrote with snapshot
 * schema 2 (commit e321792, before `isolated` was a state): an isolated backend (a failure,
 * then isolated), an open BaseURL, and a pool with one key cooling down after a 429, one
 * disabled after a 401 and one with quota use. Each must restore with the same meaning.
 */
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/snapshot-records-schema-2.json'), 'utf8')) as {
  savedAt: number;
  layout: BreakerInput[];
  records: Record<string, string>;
};
const T = fixture.savedAt - 40;

function decodedAll(): Map<string, StoredActor> {
  const records = new Map<string, StoredActor>();
  for (const [id, text] of Object.entries(fixture.records)) {
    expect((JSON.parse(text) as { schema: number }).schema).toBe(2);
    const decoded = decodeRecord(text);
    if (!decoded.ok) throw new Error(`${id}: ${decoded.reason}`);
    records.set(id, decoded.record);
  }
  return records;
}

describe('snapshot schema 2 → 3', () => {
  it('is the current schema', () => {
    expect(SCHEMA_VERSION).toBe(4);
  });

  it('turns an isolated open breaker into the isolated state and keeps everything else', () => {
    const records = decodedAll();
    const backend = records.get('backend:a')!;
    expect(backend.schema).toBe(SCHEMA_VERSION);
    expect(backend.snapshot.value).toBe('isolated');
    expect(backend.snapshot.context).toMatchObject({
      isolated: true,
      openUntil: null,
      lastTransition: { to: 'isolated', reason: 'isolated by operator' },
    });
    expect(backend.snapshot.context.health.consecutiveFailures).toBe(1);
    const baseUrl = records.get('baseurl:a:0')!;
    expect(baseUrl).toMatchObject({
      identity: 'http://127.0.0.1:9/v1',
      snapshot: { value: 'open', context: { isolated: false, openUntil: T + 5 + 60_000 } },
    });
    const pool = records.get('pool:a:default')!.snapshot.context;
    expect(credentialOf(pool, 'k-cool')).toMatchObject({ cooldownUntil: T + 120_000, cooldownStreak: 1, disabled: null });
    expect(credentialOf(pool, 'k-off')).toMatchObject({ disabled: 'http_401' });
    expect(credentialOf(pool, 'k-ok')?.quota).toMatchObject({ limit: 100, used: 1 });
  });

  it('restores into the new machine with the same meaning', () => {
    const now = T + 1_000;
    const plan = planRestore(fixture.layout, decodedAll(), now, new Map([['baseurl:a:0', 'http://127.0.0.1:9/v1']]));
    expect(plan.fresh).toEqual([]);
    const tree = createActorTree({ layout: fixture.layout, restored: plan.restored });
    // The isolated backend: open to traffic, isolated, held past any deadline until released.
    expect(tree.view('backend:a')).toMatchObject({ state: 'open', context: { isolated: true } });
    tree.send('backend:a', { type: 'clock.tick', at: now + 3_600_000 });
    tree.send('backend:a', { type: 'health.probe.succeeded', at: now + 3_600_001 });
    const held = tree.view('backend:a');
    expect(held.state).toBe('open');
    expect(admission(held.state, held.context, now + 3_600_001)).toBe('blocked');
    tree.send('backend:a', { type: 'operator.release', at: now + 3_600_002 });
    expect(tree.view('backend:a')).toMatchObject({ state: 'half_open', context: { isolated: false } });
    // The open BaseURL keeps its deadline exactly.
    const baseUrl = tree.view('baseurl:a:0');
    expect(admission(baseUrl.state, baseUrl.context, T + 5 + 60_000 - 1)).toBe('blocked');
    expect(admission(baseUrl.state, baseUrl.context, T + 5 + 60_000)).toBe('probe');
    // The pool: one key resting, one refused, one usable.
    const pool = tree.view('pool:a:default').context;
    expect(isUsable(credentialOf(pool, 'k-cool')!, now)).toBe(false);
    expect(isUsable(credentialOf(pool, 'k-cool')!, T + 120_000)).toBe(true);
    expect(isUsable(credentialOf(pool, 'k-off')!, now)).toBe(false);
    expect(isUsable(credentialOf(pool, 'k-ok')!, now)).toBe(true);
    tree.stop();
  });

  it('gives an open breaker of the old shape that had no deadline one already passed (it could probe at once)', () => {
    const old = {
      status: 'active',
      value: 'open',
      context: { isolated: false, openUntil: null, lastTransition: { at: 7, from: 'closed', to: 'open', reason: 'x' } },
    };
    expect(upgradeSnapshot(old)).toMatchObject({ value: 'open', context: { openUntil: 7 } });
  });

  it('leaves a snapshot of the current shape as it is', () => {
    const current = (JSON.parse(fixture.records['baseurl:a:0']!) as { snapshot: unknown }).snapshot;
    expect(upgradeSnapshot(current)).toBe(current);
  });
});

describe('snapshot schema 3 → 4', () => {
  it('gives every credential the re-check fields; one disabled before is re-checked the default first step after the write', () => {
    const pool = decodedAll().get('pool:a:default')!.snapshot.context;
    expect(credentialOf(pool, 'k-off')).toMatchObject({
      disabled: 'http_401',
      disabledUntil: fixture.savedAt + RECHECK_DEFAULTS.afterMs,
      disabledStreak: 0,
      refusedBy: [],
    });
    expect(credentialOf(pool, 'k-ok')).toMatchObject({ disabled: null, disabledUntil: null, disabledStreak: 0, refusedBy: [] });
    expect(isUsable(credentialOf(pool, 'k-off')!, fixture.savedAt + RECHECK_DEFAULTS.afterMs)).toBe(true);
  });

  it('migrates a schema 3 record and leaves a context that already has the fields as it is', () => {
    const current = { credentialChunks: [[freshCredential({ id: 'k' })]], credentialSlots: { k: 0 } };
    expect(withRefusalFields(current, 1_000)).toBe(current);
    const { disabledUntil: _a, disabledStreak: _b, refusedBy: _c, ...old } = { ...freshCredential({ id: 'k' }), disabled: 'http_403' };
    const stored = JSON.parse(fixture.records['pool:a:default']!) as { snapshot: { context: Record<string, unknown> } };
    const context = { ...stored.snapshot.context, credentialChunks: [[old]], credentialSlots: { k: 0 } };
    const record = JSON.stringify({ schema: 3, savedAt: 5_000, snapshot: { status: 'active', value: 'closed', context } });
    const decoded = decodeRecord(record);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.record.schema).toBe(4);
    expect(credentialOf(decoded.record.snapshot.context, 'k')).toMatchObject({
      disabled: 'http_403',
      disabledUntil: 5_000 + RECHECK_DEFAULTS.afterMs,
      disabledStreak: 0,
      refusedBy: [],
    });
  });
});
