import { describe, expect, it } from 'vitest';
import {
  credentialCleared,
  credentialFailed,
  credentialRefusedBy,
  enabledAt,
  pairRefused,
  RECHECK_DEFAULTS,
  recheckDelayMs,
  credentialSucceeded,
  credentialSucceededAll,
  credentialWeight,
  freshCredential,
  isUsable,
  remainingRatio,
  underReserve,
  UPSTREAM_QUOTA_TTL_MS,
} from '../../../src/machines/credentials.js';

const T0 = 1_700_000_000_000;

describe('credential state', () => {
  it('weighs remaining quota × 0.6 + health/100 × 0.4', () => {
    const fresh = freshCredential({ id: 'a' });
    expect(credentialWeight(fresh, T0)).toBeCloseTo(0.6 + 0.2, 6);
    const used = credentialSucceeded(freshCredential({ id: 'b', quota: { requests: 4, per: 'minute' } }), T0);
    // 3/4 remaining, health 100
    expect(credentialWeight(used, T0)).toBeCloseTo(0.75 * 0.6 + 0.4, 6);
  });

  it('counts the local quota per window and frees it when the window ends', () => {
    let c = freshCredential({ id: 'a', quota: { requests: 2, per: 'minute' } });
    c = credentialSucceeded(c, T0);
    c = credentialSucceeded(c, T0 + 1);
    expect(isUsable(c, T0 + 2)).toBe(false);
    expect(isUsable(c, T0 + 60_000)).toBe(true);
  });

  it('takes the tighter of the local count and the upstream headers, until the reading expires', () => {
    let c = freshCredential({ id: 'a' });
    c = credentialSucceeded(c, T0, 10, { remaining: 10, limit: 100 });
    expect(remainingRatio(c, T0)).toBeCloseTo(0.1, 6);
    expect(remainingRatio(c, T0 + UPSTREAM_QUOTA_TTL_MS)).toBe(1);
    c = credentialSucceeded(c, T0, 10, { remaining: 0, limit: 100, resetAt: T0 + 5000 });
    expect(isUsable(c, T0 + 4999)).toBe(false);
    expect(isUsable(c, T0 + 5000)).toBe(true);
  });

  it('is under its reserve when the remaining share drops below it', () => {
    let c = freshCredential({ id: 'a', quota: { requests: 10, per: 'hour' }, reserve: 0.25 });
    for (let i = 0; i < 7; i++) c = credentialSucceeded(c, T0 + i);
    expect(underReserve(c, T0 + 10)).toBe(false);
    c = credentialSucceeded(c, T0 + 8);
    expect(underReserve(c, T0 + 10)).toBe(true);
    expect(isUsable(c, T0 + 10)).toBe(true);
  });

  it('cools down after a 429; a 401 from its only BaseURL disables it until its re-check time', () => {
    let c = credentialFailed(freshCredential({ id: 'a' }), T0, 'http_429', T0 + 3000);
    expect(c.cooldownStreak).toBe(1);
    expect(isUsable(c, T0 + 2999)).toBe(false);
    expect(isUsable(c, T0 + 3000)).toBe(true);
    c = credentialRefusedBy(c, { at: T0 + 3000, code: 'http_401', baseUrlIndex: 0, baseUrlCount: 1 });
    expect(c).toMatchObject({ disabled: 'http_401', disabledUntil: T0 + 3000 + RECHECK_DEFAULTS.afterMs, disabledStreak: 1, refusedBy: [] });
    expect(isUsable(c, T0 + 3000 + RECHECK_DEFAULTS.afterMs - 1)).toBe(false);
    expect(isUsable(c, T0 + 3000 + RECHECK_DEFAULTS.afterMs)).toBe(true);
  });
});

describe('a refused credential', () => {
  const policy = { afterMs: 1_000, multiplier: 2, maxMs: 5_000 };
  const refusal = (at: number, baseUrlIndex: number) => ({ at, code: 'http_401', baseUrlIndex, baseUrlCount: 2 });

  it('is off for the refusing pair only while another BaseURL has not refused it', () => {
    const c = credentialRefusedBy(freshCredential({ id: 'k' }), refusal(T0, 1), policy);
    expect(c.disabled).toBeNull();
    expect(c.refusedBy).toEqual([{ baseUrlIndex: 1, until: T0 + 1_000 }]);
    expect(pairRefused(c, 1, T0 + 999)).toBe(true);
    expect(pairRefused(c, 1, T0 + 1_000)).toBe(false);
    expect(pairRefused(c, 0, T0)).toBe(false);
    expect(isUsable(c, T0)).toBe(true);
  });

  it('is disabled once every BaseURL refused it, re-checked on a growing, capped schedule, and enabled by a success', () => {
    let c = credentialRefusedBy(freshCredential({ id: 'k' }), refusal(T0, 0), policy);
    c = credentialRefusedBy(c, refusal(T0 + 10, 1), policy);
    expect(c).toMatchObject({ disabled: 'http_401', disabledUntil: T0 + 1_010, disabledStreak: 1, refusedBy: [] });
    expect(enabledAt(c, T0 + 1_009)).toBe(false);
    // a late refusal before the re-check time changes nothing
    expect(credentialRefusedBy(c, refusal(T0 + 20, 0), policy)).toBe(c);
    // the re-check: refused by both again, the next one is twice as far
    c = credentialRefusedBy(c, refusal(T0 + 1_010, 0), policy);
    expect(c.disabled).toBe('http_401');
    expect(enabledAt(c, T0 + 1_010)).toBe(true);
    expect(pairRefused(c, 0, T0 + 1_010)).toBe(true);
    c = credentialRefusedBy(c, refusal(T0 + 1_010, 1), policy);
    expect(c).toMatchObject({ disabledUntil: T0 + 3_010, disabledStreak: 2 });
    expect(recheckDelayMs(policy, 2)).toBe(4_000);
    expect(recheckDelayMs(policy, 3)).toBe(5_000);
    expect(recheckDelayMs(undefined, 0)).toBe(RECHECK_DEFAULTS.afterMs);
    const healed = credentialSucceeded(c, T0 + 3_010);
    expect(healed).toMatchObject({ disabled: null, disabledUntil: null, disabledStreak: 0 });
    expect(isUsable(healed, T0 + 3_010)).toBe(true);
  });

  it('is disabled by one refusal without a BaseURL index (events from older logs)', () => {
    const c = credentialRefusedBy(freshCredential({ id: 'k' }), { at: T0, code: 'http_403' }, policy);
    expect(c).toMatchObject({ disabled: 'http_403', disabledUntil: T0 + 1_000 });
  });

  it('forgets refusals, disables and cooldowns on an operator reset', () => {
    const c = credentialRefusedBy(credentialRefusedBy(freshCredential({ id: 'k' }), refusal(T0, 0), policy), refusal(T0, 1), policy);
    expect(credentialCleared(c)).toMatchObject({ disabled: null, disabledUntil: null, disabledStreak: 0, refusedBy: [], cooldownUntil: null });
  });
});

describe('credentialSucceededAll', () => {
  it('equals each success in turn: health, local quota use across a window boundary, the latest upstream reading', () => {
    const start = credentialFailed(freshCredential({ id: 'q', quota: { requests: 5, per: 'minute' } }), T0, 'http_429', T0 + 1_000);
    const calls = [
      { at: T0 + 10, latencyMs: 30 },
      { at: T0 + 20, quota: { remaining: 7, limit: 10 } },
      { at: T0 + 61_000, latencyMs: 50 },
      { at: T0 + 61_010, quota: { remaining: 9, limit: 10 } },
    ];
    const oneByOne = calls.reduce((c, call) => credentialSucceeded(c, call.at, call.latencyMs, call.quota), start);
    const together = credentialSucceededAll(start, calls);
    expect(together).toEqual(oneByOne);
    expect(together.quota?.used).toBe(2);
    expect(together.upstreamQuota).toEqual({ remaining: 9, limit: 10, at: T0 + 61_010 });
  });
});
