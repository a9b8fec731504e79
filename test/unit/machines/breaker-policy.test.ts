import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { admission, breakerMachine, credentialOf, type BreakerPolicy } from '../../../src/machines/breaker.js';
import { openDurationMs, rateTrips } from '../../../src/machines/breaker-policy.js';

const T0 = 1_700_000_000_000;
const base: BreakerPolicy = { failureThreshold: 5, recoveryMs: 1000, halfOpenProbes: 1 };

function start(policy: BreakerPolicy, role: 'backend' | 'pool' = 'backend') {
  const actor = createActor(breakerMachine, {
    input: { id: 'b', role, policy, credentials: role === 'pool' ? [{ id: 'k1' }, { id: 'k2' }] : [] },
    clock: new SimulatedClock(),
  });
  actor.start();
  return actor;
}

type Actor = ReturnType<typeof start>;
const fail = (a: Actor, at: number, probe = false) => a.send({ type: 'call.failed', at, probe, code: 'http_503' });
const ok = (a: Actor, at: number, probe = false) => a.send({ type: 'call.succeeded', at, probe });

describe('breaker policy beyond the seed', () => {
  it('opens on the failure-rate window once it holds the minimum number of calls', () => {
    const a = start({ ...base, failureRate: { thresholdPercent: 50, window: 10, minimumCalls: 6 } });
    // alternate: never 5 in a row, but half of the calls fail
    for (let i = 0; i < 5; i++) (i % 2 === 0 ? ok : fail)(a, T0 + i);
    expect(a.getSnapshot().value).toBe('closed');
    fail(a, T0 + 5);
    expect(a.getSnapshot().value).toBe('open');
    expect(a.getSnapshot().context.lastTransition?.reason).toMatch(/failure rate over 50%/);
  });

  it('rateTrips needs the minimum and the threshold', () => {
    const rule: BreakerPolicy = { ...base, failureRate: { thresholdPercent: 60, window: 5, minimumCalls: 5 } };
    expect(rateTrips(rule, [false, false, false, false])).toBe(false);
    expect(rateTrips(rule, [true, true, false, false, false])).toBe(true);
    expect(rateTrips(rule, [true, true, true, false, false])).toBe(false);
    expect(rateTrips(base, [false, false, false, false, false])).toBe(false);
  });

  it('stays open longer each time it re-opens soon after closing, up to the cap', () => {
    const policy = { ...base, failureThreshold: 1, reopenMultiplier: 2, reopenWindowMs: 10_000, maxRecoveryMs: 3000 };
    const a = start(policy);
    let at = T0;
    const openFor: number[] = [];
    for (let round = 0; round < 4; round++) {
      fail(a, at);
      const until = a.getSnapshot().context.openUntil!;
      openFor.push(until - at);
      at = until;
      a.send({ type: 'probe.start', at });
      ok(a, at, true);
      expect(a.getSnapshot().value).toBe('closed');
      at += 100; // re-opens soon after closing
    }
    expect(openFor).toEqual([1000, 2000, 3000, 3000]);
    // a long quiet spell forgets the streak
    fail(a, at + 20_000);
    expect(a.getSnapshot().context.openUntil).toBe(at + 20_000 + 1000);
  });

  it('keeps the seed behaviour (constant open time) without a multiplier', () => {
    expect(openDurationMs(base, 5)).toBe(1000);
    expect(openDurationMs({ ...base, reopenMultiplier: 3 }, 2)).toBe(9000);
  });

  it('admits exactly K probes in half_open, and a released probe frees its permit', () => {
    const a = start({ ...base, failureThreshold: 1, halfOpenProbes: 2 });
    fail(a, T0);
    const at = T0 + 1000;
    const admit = () => admission(a.getSnapshot().value, a.getSnapshot().context, at);
    const taken: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const ok = admit() === 'probe';
      if (ok) a.send({ type: 'probe.start', at });
      taken.push(ok);
    }
    expect(taken).toEqual([true, true, false]);
    a.send({ type: 'call.released', at, probe: true });
    expect(admit()).toBe('probe');
  });

  it('disables a credential on credential.disable without counting a call', () => {
    const a = start(base, 'pool');
    a.send({ type: 'credential.disable', at: T0, credentialId: 'k1', reason: 'http_401' });
    const context = a.getSnapshot().context;
    expect(credentialOf(context, 'k1')?.disabled).toBe('http_401');
    expect(credentialOf(context, 'k2')?.disabled).toBeNull();
    expect(context.health.recent).toEqual([]);
    a.send({ type: 'operator.reset', at: T0 });
    expect(credentialOf(a.getSnapshot().context, 'k1')?.disabled).toBeNull();
  });

  it('opens until the given time on breaker.trip (capacity exhausted), then probes', () => {
    const a = start(base, 'pool');
    a.send({ type: 'breaker.trip', at: T0, until: T0 + 7000, reason: 'model capacity exhausted (m)' });
    const s = a.getSnapshot();
    expect(s.value).toBe('open');
    expect(admission('open', s.context, T0 + 6999)).toBe('blocked');
    expect(admission('open', s.context, T0 + 7000)).toBe('probe');
  });
});
