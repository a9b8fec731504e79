import { describe, expect, it } from 'vitest';
import {
  credentialFailed,
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

  it('cools down after a 429 and stays disabled after a 401', () => {
    let c = credentialFailed(freshCredential({ id: 'a' }), T0, 'http_429', T0 + 3000);
    expect(c.cooldownStreak).toBe(1);
    expect(isUsable(c, T0 + 2999)).toBe(false);
    expect(isUsable(c, T0 + 3000)).toBe(true);
    c = credentialFailed(c, T0, 'http_401', undefined, true);
    expect(c.disabled).toBe('http_401');
    expect(isUsable(c, T0 + 10 ** 9)).toBe(false);
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
