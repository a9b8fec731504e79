import { describe, expect, it } from 'vitest';
import { createActorTree, type ActorChange } from '../../../src/actors/actor-tree.js';
import { changedParts, knownParts } from '../../../src/cluster/shared-parts.js';
import { entryFields, partsOf, readEntry } from '../../../src/cluster/wire.js';
import type { BreakerInput } from '../../../src/machines/breaker.js';

const policy = { failureThreshold: 1, recoveryMs: 10_000, halfOpenProbes: 1 };
const layout: BreakerInput[] = [
  { id: 'backend:a', role: 'backend', policy },
  { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }, { id: 'k2' }] },
];
const T = 1_000_000;

/** A tree whose changes are collected, and the shared parts each one altered. */
function recorded() {
  const tree = createActorTree({ layout });
  const known = knownParts();
  const changes: ActorChange[] = [];
  tree.changes$.subscribe((change) => changes.push(change));
  const partsOfLast = () => {
    const parts = changedParts(changes.at(-1)!, known);
    for (const part of parts) known.set(part);
    return parts;
  };
  return { tree, partsOfLast };
}

describe('cluster: which changes are shared', () => {
  it('publishes an opening with its deadline, but not the half-open its deadline brings, nor routine successes', () => {
    const { tree, partsOfLast } = recorded();
    tree.send('backend:a', { type: 'call.succeeded', at: T, probe: false });
    expect(partsOfLast()).toEqual([]);
    tree.send('backend:a', { type: 'call.failed', at: T + 1, probe: false, code: 'http_503' });
    expect(partsOfLast()).toMatchObject([{ actorId: 'backend:a', at: T + 1, breaker: { mode: 'open', openUntil: T + 10_001 } }]);
    tree.send('backend:a', { type: 'clock.tick', at: T + 10_001 });
    expect(tree.view('backend:a').state).toBe('half_open');
    expect(partsOfLast()).toEqual([]);
    tree.send('backend:a', { type: 'probe.start', at: T + 10_002 });
    tree.send('backend:a', { type: 'call.succeeded', at: T + 10_003, probe: true });
    expect(partsOfLast()).toMatchObject([{ actorId: 'backend:a', at: T + 10_003, breaker: { mode: 'closed', openUntil: null } }]);
  });

  it('publishes a credential’s cooldown by slot, its clearing by a reset, and never an adopted change', () => {
    const { tree, partsOfLast } = recorded();
    tree.send('pool:a:default', {
      type: 'credential.rate_limited',
      at: T,
      probe: false,
      code: 'http_429',
      credentialId: 'k2',
      cooldownUntil: T + 60_000,
    });
    const [cooled] = partsOfLast();
    expect(cooled).toMatchObject({
      actorId: 'pool:a:default',
      at: T,
      credential: { id: 'k2', slot: 1, cooldownUntil: T + 60_000 },
    });
    tree.send('pool:a:default', { type: 'operator.reset', at: T + 1 });
    expect(partsOfLast()).toMatchObject([{ actorId: 'pool:a:default', at: T + 1, credential: { id: 'k2', slot: 1, cooldownUntil: null } }]);
    tree.send('pool:a:default', {
      type: 'cluster.synced',
      at: T + 2,
      breaker: { mode: 'isolated', openUntil: null, openStreak: 0, closedAt: null, reason: 'x' },
    });
    expect(tree.view('pool:a:default').context.isolated).toBe(true);
    expect(partsOfLast()).toEqual([]);
  });

  it("carries parts through a stream entry unchanged, and ignores entries that are not fusebox's", () => {
    const part = {
      actorId: 'pool:a:default',
      at: T,
      credential: {
        id: 'k1',
        slot: 0,
        cooldownUntil: T + 5,
        cooldownStreak: 1,
        disabled: null,
        disabledUntil: null,
        disabledStreak: 0,
        refusedBy: [],
      },
    };
    const entry = readEntry(entryFields('instance-1', 'pool:a:default', [part]));
    expect(entry?.instanceId).toBe('instance-1');
    expect(partsOf(entry!)).toEqual([part]);
    expect(readEntry(['x', 'y'])).toBeNull();
    const bad = { type: 'cluster.synced', at: T, breaker: { mode: 'sideways', openUntil: null, openStreak: 0, closedAt: null, reason: 'x' } };
    expect(readEntry(['i', 'other', 'a', 'backend:a', 'e', JSON.stringify(bad)])).toBeNull();
  });
});
