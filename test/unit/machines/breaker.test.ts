import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { admission, breakerMachine, breakerState, credentialList, credentialOf, type BreakerInput } from '../../../src/machines/breaker.js';

const policy = { failureThreshold: 5, recoveryMs: 300_000, halfOpenProbes: 1 };
const input: BreakerInput = { id: 'backend:a', role: 'backend', policy };

function start(clock = new SimulatedClock(), given: BreakerInput = input) {
  clock.set(1_000_000);
  const actor = createActor(breakerMachine, { input: given, clock }).start();
  const at = () => clock.now();
  const fail = (probe = false) => actor.send({ type: 'call.failed', at: at(), code: 'http_503', probe });
  const succeed = (probe = false) => actor.send({ type: 'call.succeeded', at: at(), probe });
  return { actor, clock, at, fail, succeed };
}

describe('breaker machine', () => {
  it('stays closed below the threshold and opens on the fifth consecutive failure', () => {
    const { actor, fail, at } = start();
    for (let i = 0; i < 4; i++) fail();
    expect(actor.getSnapshot().value).toBe('closed');
    fail();
    const snapshot = actor.getSnapshot();
    expect(snapshot.value).toBe('open');
    expect(snapshot.context.openUntil).toBe(at() + 300_000);
    expect(snapshot.context.lastTransition).toMatchObject({ from: 'closed', to: 'open' });
    expect(snapshot.context.lastTransition?.reason).toContain('5 consecutive failures');
  });

  it('a success resets the consecutive count', () => {
    const { actor, fail, succeed } = start();
    for (let i = 0; i < 4; i++) fail();
    succeed();
    for (let i = 0; i < 4; i++) fail();
    expect(actor.getSnapshot().value).toBe('closed');
  });

  it('ignores ticks before the deadline and goes half_open at it', () => {
    const { actor, clock, fail, at } = start();
    for (let i = 0; i < 5; i++) fail();
    clock.increment(299_999);
    actor.send({ type: 'clock.tick', at: at() });
    expect(actor.getSnapshot().value).toBe('open');
    expect(admission('open', actor.getSnapshot().context, at())).toBe('blocked');
    clock.increment(1);
    expect(admission('open', actor.getSnapshot().context, at())).toBe('probe');
    actor.send({ type: 'clock.tick', at: at() });
    expect(actor.getSnapshot().value).toBe('half_open');
  });

  it('admits exactly K probes in half_open', () => {
    const { actor, clock, fail, at } = start(new SimulatedClock(), { ...input, policy: { ...policy, halfOpenProbes: 2 } });
    for (let i = 0; i < 5; i++) fail();
    clock.increment(300_000);
    actor.send({ type: 'probe.start', at: at() });
    expect(actor.getSnapshot().value).toBe('half_open');
    expect(admission('half_open', actor.getSnapshot().context, at())).toBe('probe');
    actor.send({ type: 'probe.start', at: at() });
    expect(actor.getSnapshot().context.probesInFlight).toBe(2);
    expect(admission('half_open', actor.getSnapshot().context, at())).toBe('blocked');
    actor.send({ type: 'call.released', at: at(), probe: true });
    expect(admission('half_open', actor.getSnapshot().context, at())).toBe('probe');
  });

  it('a probe success closes; a probe failure re-opens with a new deadline', () => {
    const { actor, clock, fail, succeed, at } = start();
    for (let i = 0; i < 5; i++) fail();
    clock.increment(300_000);
    actor.send({ type: 'probe.start', at: at() });
    fail(true);
    expect(actor.getSnapshot().value).toBe('open');
    expect(actor.getSnapshot().context.openUntil).toBe(at() + 300_000);
    expect(actor.getSnapshot().context.lastTransition?.reason).toContain('probe failed');
    clock.increment(300_000);
    actor.send({ type: 'probe.start', at: at() });
    succeed(true);
    expect(actor.getSnapshot().value).toBe('closed');
    expect(actor.getSnapshot().context.openUntil).toBeNull();
  });

  it('a non-probe result in half_open does not decide the probe', () => {
    const { actor, clock, fail, succeed, at } = start();
    for (let i = 0; i < 5; i++) fail();
    clock.increment(300_000);
    actor.send({ type: 'clock.tick', at: at() });
    succeed(false);
    fail(false);
    expect(actor.getSnapshot().value).toBe('half_open');
  });

  describe('restored from a persisted snapshot', () => {
    function persistedOpen() {
      const { actor, fail, at } = start();
      for (let i = 0; i < 5; i++) fail();
      return { persisted: actor.getPersistedSnapshot(), openUntil: at() + 300_000 };
    }

    it('stays open until exactly the original deadline', () => {
      const { persisted, openUntil } = persistedOpen();
      const restored = createActor(breakerMachine, { snapshot: persisted, input }).start();
      expect(restored.getSnapshot().value).toBe('open');
      expect(restored.getSnapshot().context.openUntil).toBe(openUntil);
      restored.send({ type: 'clock.tick', at: openUntil - 1 });
      expect(restored.getSnapshot().value).toBe('open');
      restored.send({ type: 'clock.tick', at: openUntil });
      expect(restored.getSnapshot().value).toBe('half_open');
    });

    it('comes back half_open at once when the deadline has already passed', () => {
      const { persisted, openUntil } = persistedOpen();
      const restored = createActor(breakerMachine, { snapshot: persisted, input }).start();
      expect(admission('open', restored.getSnapshot().context, openUntil + 60_000)).toBe('probe');
      restored.send({ type: 'clock.tick', at: openUntil + 60_000 });
      expect(restored.getSnapshot().value).toBe('half_open');
    });
  });

  it('an operator isolation holds it open past any deadline until released', () => {
    const { actor, clock, at } = start();
    actor.send({ type: 'operator.isolate', at: at() });
    clock.increment(10 * 300_000);
    actor.send({ type: 'clock.tick', at: at() });
    expect(actor.getSnapshot().value).toBe('isolated');
    expect(breakerState(actor.getSnapshot().value)).toBe('open');
    expect(actor.getSnapshot().context).toMatchObject({ isolated: true, openUntil: null });
    expect(admission('isolated', actor.getSnapshot().context, at())).toBe('blocked');
    expect(admission('open', actor.getSnapshot().context, at())).toBe('blocked');
    actor.send({ type: 'operator.release', at: at() });
    expect(actor.getSnapshot().value).toBe('half_open');
    expect(actor.getSnapshot().context.isolated).toBe(false);
    actor.send({ type: 'operator.reset', at: at() });
    expect(actor.getSnapshot().value).toBe('closed');
  });

  it('isolated is a state of its own: health checks, trips and probes do not leave it; reset does', () => {
    const { actor, at } = start();
    actor.send({ type: 'operator.isolate', at: at() });
    expect(actor.getSnapshot().context.lastTransition).toMatchObject({ from: 'closed', to: 'isolated', reason: 'isolated by operator' });
    actor.send({ type: 'health.probe.succeeded', at: at() });
    actor.send({ type: 'breaker.trip', at: at(), until: at() + 1, reason: 'capacity' });
    actor.send({ type: 'probe.start', at: at() + 10 });
    expect(actor.getSnapshot().value).toBe('isolated');
    expect(actor.getSnapshot().can({ type: 'probe.start', at: at() + 10 })).toBe(false);
    actor.send({ type: 'operator.reset', at: at() });
    expect(actor.getSnapshot().value).toBe('closed');
    expect(actor.getSnapshot().context.isolated).toBe(false);
  });

  it('admission agrees with the machine: a probe is admitted exactly when probe.start would be taken', () => {
    const { actor, fail, at, clock } = start();
    for (let i = 0; i < policy.failureThreshold; i++) fail();
    const agree = (now: number) => {
      const snapshot = actor.getSnapshot();
      const admits = admission(snapshot.value, snapshot.context, now) !== 'blocked';
      expect(admits).toBe(snapshot.value === 'closed' || snapshot.can({ type: 'probe.start', at: now }));
    };
    agree(at());
    agree(actor.getSnapshot().context.openUntil!);
    clock.increment(policy.recoveryMs);
    actor.send({ type: 'probe.start', at: at() });
    agree(at());
  });

  it('keeps per-credential cooldowns and disabled flags in a pool', () => {
    const pool: BreakerInput = { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }, { id: 'k2' }] };
    const { actor, at } = start(new SimulatedClock(), pool);
    actor.send({ type: 'credential.rate_limited', at: at(), probe: false, code: 'http_429', credentialId: 'k1', cooldownUntil: at() + 5000 });
    actor.send({ type: 'credential.rejected', at: at(), probe: false, code: 'http_401', credentialId: 'k2' });
    const context = actor.getSnapshot().context;
    expect(credentialOf(context, 'k1')?.cooldownUntil).toBe(at() + 5000);
    expect(credentialOf(context, 'k2')?.disabled).toBe('http_401');
    actor.send({ type: 'operator.reset', at: at() });
    expect(credentialOf(actor.getSnapshot().context, 'k2')?.disabled).toBeNull();
  });

  it('takes a changed config in place, keeping its state and what remaining credentials learned', () => {
    const pool: BreakerInput = { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }, { id: 'k2' }] };
    const { actor, fail, at } = start(new SimulatedClock(), pool);
    actor.send({ type: 'credential.rejected', at: at(), probe: false, code: 'http_401', credentialId: 'k1' });
    for (let i = 0; i < 4; i++) fail();
    const openUntil = actor.getSnapshot().context.openUntil;
    expect(actor.getSnapshot().value).toBe('open');
    const changed = { ...policy, halfOpenProbes: 3 };
    actor.send({
      type: 'config.changed',
      at: at(),
      policy: changed,
      credentials: [{ id: 'k2' }, { id: 'k3', quota: { requests: 10, per: 'minute' } }, { id: 'k1' }],
    });
    const context = actor.getSnapshot().context;
    expect(actor.getSnapshot().value).toBe('open');
    expect(context.openUntil).toBe(openUntil);
    expect(context.policy.halfOpenProbes).toBe(3);
    expect(credentialList(context).map((c) => c.id)).toEqual(['k2', 'k3', 'k1']);
    expect(credentialOf(context, 'k1')?.disabled).toBe('http_401');
    expect(credentialOf(context, 'k3')?.quota).toMatchObject({ limit: 10, used: 0 });
  });
});

describe('pool breaker and credential failures', () => {
  it('never opens on its keys being rate limited or refused; a probe whose key is refused gives its permit back', () => {
    const pool: BreakerInput = { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }, { id: 'k2' }] };
    const { actor, at } = start(new SimulatedClock(), pool);
    for (let i = 0; i < policy.failureThreshold * 3; i++) {
      actor.send({
        type: 'credential.rate_limited',
        at: at(),
        probe: false,
        code: 'http_429',
        credentialId: i % 2 ? 'k1' : 'k2',
        cooldownUntil: at() + 1000,
      });
    }
    actor.send({ type: 'credential.rejected', at: at(), probe: false, code: 'http_401', credentialId: 'k2' });
    expect(actor.getSnapshot().value).toBe('closed');
    expect(actor.getSnapshot().context.health.consecutiveFailures).toBe(policy.failureThreshold * 3 + 1);

    actor.send({ type: 'breaker.trip', at: at(), until: at() + 10, reason: 'model capacity exhausted' });
    expect(actor.getSnapshot().value).toBe('open');
    actor.send({ type: 'probe.start', at: at() + 10 });
    expect(actor.getSnapshot()).toMatchObject({ value: 'half_open', context: { probesInFlight: 1 } });
    actor.send({ type: 'credential.rate_limited', at: at() + 11, probe: true, code: 'http_429', credentialId: 'k1', cooldownUntil: at() + 2000 });
    expect(actor.getSnapshot()).toMatchObject({ value: 'half_open', context: { probesInFlight: 0 } });
    actor.send({ type: 'probe.start', at: at() + 12 });
    actor.send({ type: 'call.succeeded', at: at() + 13, probe: true, credentialId: 'k1' });
    expect(actor.getSnapshot().value).toBe('closed');
  });
});
