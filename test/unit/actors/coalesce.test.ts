import { describe, expect, it } from 'vitest';
import { createActorTree, type ActorChange } from '../../../src/actors/actor-tree.js';
import type { Clock } from '../../../src/shared/clock.js';
import type { BreakerInput } from '../../../src/machines/breaker.js';
import { credentialOf } from '../../../src/machines/breaker.js';

const policy = { failureThreshold: 2, recoveryMs: 1_000, halfOpenProbes: 1 };
const layout: BreakerInput[] = [
  { id: 'backend:a', role: 'backend', policy },
  { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }, { id: 'k2' }] },
];

/** Timers run only when the test says so. */
function manualClock() {
  const timers = new Map<number, () => void>();
  let next = 0;
  const clock: Clock = {
    now: () => 1_000,
    setTimeout: (callback) => (timers.set(++next, callback), next),
    clearTimeout: (handle) => void timers.delete(handle as number),
  };
  const fire = () => {
    const callbacks = [...timers.values()];
    timers.clear();
    for (const callback of callbacks) callback();
  };
  return { clock, fire, pending: () => timers.size };
}

function treeWithLog() {
  const { clock, fire, pending } = manualClock();
  const tree = createActorTree({ layout, coalesce: { clock, windowMs: 10 } });
  const changes: ActorChange[] = [];
  tree.changes$.subscribe((change) => changes.push(change));
  return { tree, changes, fire, pending };
}

const success = (at: number, credentialId?: string) =>
  ({ type: 'call.succeeded', at, probe: false, latencyMs: 5, ...(credentialId ? { credentialId } : {}) }) as const;

describe('coalesced routine successes', () => {
  it('reach a closed actor together, once the window ends, as one calls.succeeded in arrival order', () => {
    const { tree, changes, fire, pending } = treeWithLog();
    tree.send('pool:a:default', success(1, 'k1'));
    tree.send('pool:a:default', success(2, 'k2'));
    tree.send('pool:a:default', success(3, 'k1'));
    expect(changes).toHaveLength(0);
    expect(tree.peek('pool:a:default').context.health.recent).toEqual([]);
    expect(pending()).toBe(1);
    fire();
    expect(changes.map((c) => c.event.type)).toEqual(['calls.succeeded']);
    const event = changes[0]!.event as Extract<ActorChange['event'], { type: 'calls.succeeded' }>;
    expect(event.calls.map((c) => [c.at, c.credentialId])).toEqual([
      [1, 'k1'],
      [2, 'k2'],
      [3, 'k1'],
    ]);
    const context = tree.view('pool:a:default').context;
    expect(context.health.recent).toEqual([true, true, true]);
    expect(credentialOf(context, 'k1')!.health.recent).toEqual([true, true]);
    expect(credentialOf(context, 'k2')!.health.lastSuccessAt).toBe(2);
    tree.stop();
  });

  it('are delivered before any other event for the actor, and before view and persisted read it', () => {
    const { tree, changes } = treeWithLog();
    tree.send('backend:a', success(1));
    tree.send('backend:a', { type: 'call.failed', at: 2, probe: false, code: 'http_503' });
    expect(changes.map((c) => c.event.type)).toEqual(['calls.succeeded', 'call.failed']);
    expect(tree.view('backend:a').context.health.recent).toEqual([true, false]);

    tree.send('backend:a', success(3));
    expect(tree.view('backend:a').context.health.lastSuccessAt).toBe(3);
    tree.send('backend:a', success(4));
    const persisted = tree.persisted('backend:a') as unknown as { context: { health: { lastSuccessAt: number } } };
    expect(persisted.context.health.lastSuccessAt).toBe(4);
    tree.stop();
  });

  it('never hold a probe or an actor that is not closed', () => {
    const { tree, changes } = treeWithLog();
    tree.send('backend:a', { type: 'call.failed', at: 1, probe: false, code: 'http_503' });
    tree.send('backend:a', { type: 'call.failed', at: 2, probe: false, code: 'http_503' });
    expect(tree.view('backend:a').state).toBe('open');
    tree.send('backend:a', success(3));
    expect(changes.at(-1)!.event.type).toBe('call.succeeded');
    tree.send('backend:a', { type: 'probe.start', at: 1_500 });
    tree.send('backend:a', { ...success(1_501), probe: true });
    expect(changes.at(-1)!.event).toMatchObject({ type: 'call.succeeded', probe: true });
    expect(tree.view('backend:a').state).toBe('closed');
    tree.stop();
  });
});
