import { describe, expect, it } from 'vitest';
import { nextProbeAt, openedAt } from '../../../src/actors/recovery-schedule.js';
import { breakerMachine } from '../../../src/machines/breaker.js';
import { createActor } from 'xstate';

const schedule = { intervalMs: 10, maxIntervalMs: 40, multiplier: 2 };

describe('nextProbeAt', () => {
  it('puts the first probe one interval after opening', () => {
    expect(nextProbeAt(schedule, 1000, 1000)).toBe(1010);
    expect(nextProbeAt(schedule, 1000, 1009)).toBe(1010);
    expect(nextProbeAt(schedule, 1000, 900)).toBe(1010);
  });

  it('grows the interval by the multiplier up to the cap, then keeps it', () => {
    const times: number[] = [];
    let now = 0;
    for (let i = 0; i < 6; i++) times.push((now = nextProbeAt(schedule, 0, now)));
    expect(times).toEqual([10, 30, 70, 110, 150, 190]);
  });

  it('skips probe times already passed (a slow probe does not bunch the next ones)', () => {
    expect(nextProbeAt(schedule, 0, 75)).toBe(110);
    expect(nextProbeAt(schedule, 0, 110)).toBe(150);
  });

  it('stays exact and cheap after a breaker was open for a long time', () => {
    const day = 86_400_000;
    const hourly = { intervalMs: 1_000, maxIntervalMs: 60_000, multiplier: 2 };
    const at = nextProbeAt(hourly, 0, day);
    expect(at).toBeGreaterThan(day);
    expect(at - day).toBeLessThanOrEqual(60_000);
  });

  it('starts further up the schedule for a breaker that re-opened soon after closing', () => {
    expect(nextProbeAt(schedule, 0, 0, 1)).toBe(20);
    expect(nextProbeAt(schedule, 0, 20, 1)).toBe(60);
    expect(nextProbeAt(schedule, 0, 0, 5)).toBe(40);
  });

  it('with multiplier 1 probes at a constant interval', () => {
    expect(nextProbeAt({ intervalMs: 30, maxIntervalMs: 30, multiplier: 1 }, 0, 95)).toBe(120);
  });
});

describe('the breaker under active recovery', () => {
  const policy = { failureThreshold: 1, recoveryMs: 100, halfOpenProbes: 1, activeRecovery: true };
  const opened = () => {
    const actor = createActor(breakerMachine, { input: { id: 'backend:a', role: 'backend', policy } }).start();
    actor.send({ type: 'call.failed', at: 1000, probe: false, code: 'http_503' });
    return actor;
  };

  it('is opened at the time its last transition says', () => {
    const actor = opened();
    expect(actor.getSnapshot().value).toBe('open');
    expect(openedAt(actor.getSnapshot().context, 5000)).toBe(1000);
  });

  it('does not go half_open when its deadline passes: only a recovery probe lets it go', () => {
    const actor = opened();
    actor.send({ type: 'clock.tick', at: 5000 });
    actor.send({ type: 'probe.start', at: 5000 });
    expect(actor.getSnapshot().value).toBe('open');
    actor.send({ type: 'recovery.probe.failed', at: 6000, code: 'http_503' });
    expect(actor.getSnapshot().value).toBe('open');
    expect(actor.getSnapshot().context.health.lastErrors.at(-1)).toBe('http_503');
    actor.send({ type: 'recovery.probe.succeeded', at: 7000, latencyMs: 12 });
    expect(actor.getSnapshot().value).toBe('closed');
    expect(actor.getSnapshot().context.lastTransition).toMatchObject({ at: 7000, from: 'open', to: 'closed', reason: 'recovery probe succeeded' });
    expect(actor.getSnapshot().context.openUntil).toBeNull();
  });

  it('keeps an isolated breaker open whatever a probe says', () => {
    const actor = opened();
    actor.send({ type: 'operator.isolate', at: 2000 });
    actor.send({ type: 'recovery.probe.succeeded', at: 3000 });
    expect(actor.getSnapshot().value).toBe('isolated');
  });

  it('ignores recovery results once closed', () => {
    const actor = opened();
    actor.send({ type: 'recovery.probe.succeeded', at: 2000 });
    actor.send({ type: 'recovery.probe.failed', at: 2001, code: 'http_503' });
    expect(actor.getSnapshot().value).toBe('closed');
  });

  it('without active recovery the deadline still lets the breaker go half_open', () => {
    const actor = createActor(breakerMachine, { input: { id: 'backend:a', role: 'backend', policy: { ...policy, activeRecovery: false } } }).start();
    actor.send({ type: 'call.failed', at: 1000, probe: false, code: 'http_503' });
    actor.send({ type: 'clock.tick', at: 1100 });
    expect(actor.getSnapshot().value).toBe('half_open');
  });
});
