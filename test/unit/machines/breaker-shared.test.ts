import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { breakerMachine, credentialOf, type BreakerInput } from '../../../src/machines/breaker.js';
import { sharedBreakerOf, valueOf } from '../../../src/machines/breaker-shared.js';

const policy = { failureThreshold: 2, recoveryMs: 10_000, halfOpenProbes: 1 };
const pool: BreakerInput = { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }, { id: 'k2' }] };
const T = 1_000_000;

/** Two actors of the same input: `a` learns by its own events, `b` only by `cluster.synced` of a's shared part. */
function pair() {
  const a = createActor(breakerMachine, { input: pool }).start();
  const b = createActor(breakerMachine, { input: pool }).start();
  const share = (at: number) => b.send({ type: 'cluster.synced', at, breaker: sharedBreakerOf(a.getSnapshot().context) });
  return { a, b, share };
}

describe('breaker machine: cluster.synced', () => {
  it('adopts another instance’s opening with its deadline, and its closing', () => {
    const { a, b, share } = pair();
    a.send({ type: 'call.failed', at: T, probe: false, code: 'http_503' });
    a.send({ type: 'call.failed', at: T + 1, probe: false, code: 'http_503' });
    share(T + 1);
    expect(b.getSnapshot().value).toBe('open');
    expect(b.getSnapshot().context.openUntil).toBe(a.getSnapshot().context.openUntil);
    expect(b.getSnapshot().context.lastTransition?.reason).toContain('(cluster)');
    a.send({ type: 'probe.start', at: T + 20_000 });
    a.send({ type: 'call.succeeded', at: T + 20_001, probe: true });
    share(T + 20_001);
    expect(b.getSnapshot().value).toBe('closed');
    expect(b.getSnapshot().context.openUntil).toBeNull();
  });

  it('keeps a half-open breaker and its permits when the shared part says open with the deadline that made it half-open', () => {
    const { a, b, share } = pair();
    a.send({ type: 'breaker.trip', at: T, until: T + 5_000, reason: 'capacity' });
    share(T);
    b.send({ type: 'probe.start', at: T + 6_000 });
    expect(b.getSnapshot().value).toBe('half_open');
    expect(b.getSnapshot().context.probesInFlight).toBe(1);
    share(T + 6_001);
    expect(b.getSnapshot().value).toBe('half_open');
    expect(b.getSnapshot().context.probesInFlight).toBe(1);
  });

  it('follows isolation and release; an isolated breaker reads isolated', () => {
    const { a, b, share } = pair();
    a.send({ type: 'operator.isolate', at: T });
    share(T);
    expect(b.getSnapshot().value).toBe('isolated');
    expect(b.getSnapshot().context.isolated).toBe(true);
    expect(valueOf(b.getSnapshot().context)).toBe('isolated');
    a.send({ type: 'operator.release', at: T + 1 });
    share(T + 1);
    expect(b.getSnapshot().value).toBe('half_open');
    expect(b.getSnapshot().context.isolated).toBe(false);
  });

  it('adopts a credential’s cooldown and disabled flag without touching its health', () => {
    const { b } = pair();
    const shared = { cooldownStreak: 1, disabled: null, disabledUntil: null, disabledStreak: 0, refusedBy: [] };
    b.send({ type: 'cluster.synced', at: T, credentials: [{ id: 'k1', cooldownUntil: T + 60_000, ...shared }] });
    const k1 = credentialOf(b.getSnapshot().context, 'k1')!;
    expect(k1.cooldownUntil).toBe(T + 60_000);
    expect(k1.health.recent).toEqual([]);
    expect(credentialOf(b.getSnapshot().context, 'k2')!.cooldownUntil).toBeNull();
    expect(b.getSnapshot().value).toBe('closed');
  });
});
