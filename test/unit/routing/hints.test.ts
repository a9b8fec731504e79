import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/routing/classify.js';
import { quotaFromHeaders } from '../../../src/routing/quota-headers.js';
import { bodyHints, refineWithBody } from '../../../src/routing/rate-limit-body.js';
import { exponentialCooldownMs, parseDurationMs, retryHintMs } from '../../../src/routing/retry-hint.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const limited = { kind: 'rate_limited', code: 'http_429', retryAfterMs: null } as const;

const google = (reason: string, extra: object[] = []) =>
  JSON.stringify({
    error: {
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      message: 'no',
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, metadata: { quotaResetDelay: '1m30s' } }, ...extra],
    },
  });

describe('classify', () => {
  it('sorts upstream results by scope', () => {
    expect(classify({ kind: 'response', status: 200, headers: {} }, T0)).toEqual({ kind: 'success' });
    expect(classify({ kind: 'response', status: 503, headers: {} }, T0)).toEqual({ kind: 'endpoint_failure', code: 'http_503' });
    expect(classify({ kind: 'response', status: 401, headers: {} }, T0)).toEqual({ kind: 'auth_failed', code: 'http_401' });
    expect(classify({ kind: 'response', status: 422, headers: {} }, T0)).toEqual({ kind: 'client_error', status: 422 });
    expect(classify({ kind: 'failed', code: 'connect_refused' }, T0)).toEqual({ kind: 'endpoint_failure', code: 'connect_refused' });
    expect(classify({ kind: 'failed', code: 'client_cancelled' }, T0)).toEqual({ kind: 'cancelled' });
    expect(classify({ kind: 'response', status: 429, headers: { 'retry-after': '2' } }, T0)).toEqual({ ...limited, retryAfterMs: 2000 });
  });
});

describe('retry hints', () => {
  it('reads retry-after-ms, Retry-After seconds and HTTP dates', () => {
    expect(retryHintMs({ 'retry-after-ms': '1500' }, T0)).toBe(1500);
    expect(retryHintMs({ 'retry-after': '3' }, T0)).toBe(3000);
    expect(retryHintMs({ 'retry-after': new Date(T0 + 7000).toUTCString() }, T0)).toBe(7000);
    expect(retryHintMs({ 'retry-after': 'soon' }, T0)).toBeNull();
    expect(retryHintMs({}, T0)).toBeNull();
  });

  it('doubles the cooldown without a hint, at most five minutes', () => {
    expect([0, 1, 2, 3].map(exponentialCooldownMs)).toEqual([1000, 2000, 4000, 8000]);
    expect(exponentialCooldownMs(50)).toBe(300_000);
  });

  it('parses Google durations', () => {
    expect(parseDurationMs('13s')).toBe(13_000);
    expect(parseDurationMs('0.5s')).toBe(500);
    expect(parseDurationMs('1h2m3.5s')).toBe(3_723_500);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('13')).toBeNull();
    expect(parseDurationMs('x1s')).toBeNull();
  });
});

describe('429 bodies', () => {
  it('takes RetryInfo.retryDelay, then quotaResetDelay', () => {
    const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '4s' };
    expect(bodyHints(google('RATE_LIMIT_EXCEEDED', [retryInfo]))).toEqual({ capacity: false, delayMs: 4000 });
    expect(bodyHints(google('QUOTA_EXHAUSTED'))).toEqual({ capacity: false, delayMs: 90_000 });
    expect(refineWithBody(limited, google('QUOTA_EXHAUSTED'))).toEqual({ ...limited, retryAfterMs: 90_000 });
  });

  it('keeps the header hint over the body', () => {
    expect(refineWithBody({ ...limited, retryAfterMs: 1000 }, google('QUOTA_EXHAUSTED'))).toMatchObject({ retryAfterMs: 1000 });
  });

  it('recognises MODEL_CAPACITY_EXHAUSTED, also in an array body and in plain text', () => {
    expect(refineWithBody(limited, google('MODEL_CAPACITY_EXHAUSTED'))).toEqual({
      kind: 'capacity_exhausted',
      code: 'model_capacity_exhausted',
      retryAfterMs: 90_000,
    });
    expect(bodyHints(`[${google('MODEL_CAPACITY_EXHAUSTED')}]`).capacity).toBe(true);
    expect(bodyHints('upstream says MODEL_CAPACITY_EXHAUSTED').capacity).toBe(true);
    expect(bodyHints('{"error":{"message":"slow down"}}')).toEqual({ capacity: false, delayMs: null });
  });
});

describe('rate-limit headers', () => {
  it('reads remaining, limit and reset', () => {
    expect(
      quotaFromHeaders({ 'x-ratelimit-remaining-requests': '59', 'x-ratelimit-limit-requests': '60', 'x-ratelimit-reset-requests': '1s' }, T0),
    ).toEqual({ remaining: 59, limit: 60, resetAt: T0 + 1000 });
    expect(quotaFromHeaders({ 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-limit-requests': '10' }, T0)).toEqual({ remaining: 5, limit: 10 });
    expect(quotaFromHeaders({ 'x-ratelimit-remaining-requests': 'many', 'x-ratelimit-limit-requests': '10' }, T0)).toBeUndefined();
    expect(quotaFromHeaders(undefined, T0)).toBeUndefined();
  });
});
