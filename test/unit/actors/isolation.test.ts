import type { InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createActorTree, type ActorChange } from '../../../src/actors/actor-tree.js';
import type { BreakerInput } from '../../../src/machines/breaker.js';
import { sanitizeInspection } from '../../../src/inspect/sanitize.js';

const policy = { failureThreshold: 2, recoveryMs: 1_000, halfOpenProbes: 1 };
const layout: BreakerInput[] = [{ id: 'backend:a', role: 'backend', policy }];

describe('operator isolation in the actor tree', () => {
  it('is a state the inspector sees, and reads as open (isolated) to everything routing-facing', () => {
    const inspected: InspectionEvent[] = [];
    const tree = createActorTree({ layout, inspect: (event) => inspected.push(event) });
    const changes: ActorChange[] = [];
    tree.changes$.subscribe((change) => changes.push(change));
    tree.send('backend:a', { type: 'operator.isolate', at: 10 });

    const snapshots = inspected.flatMap((event) =>
      event.type === '@xstate.snapshot' && (event.actorRef as { id?: string }).id === 'backend:a' ? [sanitizeInspection(event)] : [],
    );
    expect(snapshots.at(-1)?.snapshot).toMatchObject({ value: 'isolated' });
    expect(tree.persisted('backend:a')).toMatchObject({ value: 'isolated' });
    expect(tree.view('backend:a')).toMatchObject({ state: 'open', context: { isolated: true, openUntil: null } });
    expect(changes.at(-1)).toMatchObject({ from: 'closed', to: 'open', event: { type: 'operator.isolate' } });

    tree.send('backend:a', { type: 'operator.release', at: 20 });
    expect(tree.view('backend:a')).toMatchObject({ state: 'half_open', context: { isolated: false } });
    expect(tree.persisted('backend:a')).toMatchObject({ value: 'half_open' });
    tree.stop();
  });
});
