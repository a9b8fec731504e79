import { describe, expect, it } from 'vitest';
import { freshHealth, healthScore, recordFailure, recordSuccess, recordSuccesses, RECENCY_WINDOW_MS } from '../../../src/machines/health.js';

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

describe('recordSuccesses', () => {
  it('equals recording each success in turn, for batches shorter and longer than the window', () => {
    let start = freshHealth;
    for (let i = 0; i < 7; i++) start = i % 3 === 0 ? recordFailure(start, 1_000 + i, 'http_503', 40) : recordSuccess(start, 1_000 + i, 20 + i);
    for (const size of [1, 5, 13, 25]) {
      const calls = Array.from({ length: size }, (_, i) => (i % 2 === 0 ? { at: 2_000 + i, latencyMs: 10 + i } : { at: 2_000 + i }));
      const oneByOne = calls.reduce((health, call) => recordSuccess(health, call.at, call.latencyMs), start);
      expect(recordSuccesses(start, calls)).toEqual(oneByOne);
    }
    const many = recordSuccesses(
      start,
      Array.from({ length: 25 }, (_, i) => ({ at: 3_000 + i })),
    );
    expect(many.recent).toEqual(Array(20).fill(true));
    expect(many.lastSuccessAt).toBe(3_024);
    expect(recordSuccesses(start, [{ at: 3_000 }]).recent).toEqual([...start.recent, true]);
  });
});
