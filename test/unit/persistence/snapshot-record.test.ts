import { describe, expect, it } from 'vitest';
import { createActorTree } from '../../../src/actors/actor-tree.js';
import { decodeRecord, encodeRecord, SCHEMA_VERSION } from '../../../src/persistence/snapshot-record.js';
import { credentialList, credentialOf, type BreakerInput } from '../../../src/machines/breaker.js';

const policy = { failureThreshold: 5, recoveryMs: 300_000, halfOpenProbes: 1 };
const pool: BreakerInput = { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }, { id: 'k2' }] };

describe('stored actor records', () => {
  it('round-trips a pool snapshot at the current schema', () => {
    const tree = createActorTree({ layout: [pool] });
    tree.send(pool.id, { type: 'credential.rate_limited', at: 10, probe: false, code: 'http_429', credentialId: 'k2', cooldownUntil: 5_000 });
    const decoded = decodeRecord(encodeRecord(tree.persisted(pool.id), 20));
    tree.stop();
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.record.schema).toBe(SCHEMA_VERSION);
    expect(credentialOf(decoded.record.snapshot.context, 'k2')?.cooldownUntil).toBe(5_000);
  });

  it('migrates a schema-1 record whose credentials were keyed by id into a list with slots', () => {
    const tree = createActorTree({ layout: [pool] });
    tree.send(pool.id, { type: 'credential.rejected', at: 10, probe: false, code: 'http_401', credentialId: 'k1' });
    const current = tree.persisted(pool.id) as unknown as { context: { credentialChunks: { id: string }[][] } };
    tree.stop();
    const { credentialSlots: _slots, credentialChunks: _chunks, ...rest } = current.context as unknown as Record<string, unknown>;
    const keyed = Object.fromEntries(current.context.credentialChunks.flat().map((c) => [c.id, c]));
    const schema1 = JSON.stringify({ schema: 1, savedAt: 20, snapshot: { ...current, context: { ...rest, credentials: keyed } } });

    const decoded = decodeRecord(schema1);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const context = decoded.record.snapshot.context;
    expect(credentialList(context).map((c) => c.id)).toEqual(['k1', 'k2']);
    expect(context.credentialSlots).toEqual({ k1: 0, k2: 1 });
    expect(credentialOf(context, 'k1')?.disabled).toBe('http_401');
  });
});
