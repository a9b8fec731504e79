import { describe, expect, it } from 'vitest';
import { freshHealth, healthScore, recordFailure, recordSuccess, RECENCY_WINDOW_MS } from '../../../src/machines/health.js';

const T0 = 1_700_000_000_000;

describe('health score', () => {
  it('is 50 with no data', () => {
    expect(healthScore(freshHealth, T0)).toBe(50);
  });

  it('is 100 right after a success with a perfect record', () => {
    expect(healthScore(recordSuccess(freshHealth, T0), T0)).toBe(100);
  });

  it('loses the recency share linearly, to 0 at five minutes', () => {
    const h = recordSuccess(freshHealth, T0);
    expect(healthScore(h, T0 + RECENCY_WINDOW_MS / 2)).toBe(90);
    expect(healthScore(h, T0 + RECENCY_WINDOW_MS)).toBe(80);
    expect(healthScore(h, T0 + 10 * RECENCY_WINDOW_MS)).toBe(80);
  });

  it('takes 5 stability points per consecutive failure, down to 0', () => {
    let h = recordSuccess(freshHealth, T0);
    h = recordFailure(h, T0, 'http_503');
    // rate 1/2 × 60 + recency 20 + stability 15
    expect(healthScore(h, T0)).toBe(65);
    for (let i = 0; i < 5; i++) h = recordFailure(h, T0, 'http_503');
    // rate 1/7 × 60 + 20 + 0
    expect(healthScore(h, T0)).toBeCloseTo((1 / 7) * 60 + 20, 6);
  });

  it('is 0 for a record of failures only', () => {
    let h = freshHealth;
    for (let i = 0; i < 4; i++) h = recordFailure(h, T0, 'connect_refused');
    expect(healthScore(h, T0)).toBe(0);
  });

  it('keeps an EWMA of time to first byte and the last five error codes', () => {
    let h = recordSuccess(freshHealth, T0, 100);
    expect(h.latencyMs).toBe(100);
    h = recordSuccess(h, T0, 200);
    expect(h.latencyMs).toBeCloseTo(130, 6);
    h = recordFailure(h, T0, 'slow_call', 1130);
    expect(h.latencyMs).toBeCloseTo(430, 6);
    for (const code of ['a', 'b', 'c', 'd', 'e']) h = recordFailure(h, T0, code);
    expect(h.lastErrors).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
