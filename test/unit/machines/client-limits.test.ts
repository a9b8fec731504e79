import { describe, expect, it } from 'vitest';
import { addTokens, admitRequest, currentWindow, emptyWindow } from '../../../src/machines/client-limits.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** 2026-12-02 10:00:20 UTC. */
const T = Date.UTC(2026, 11, 2, 10, 0, 20);

describe('client key limits (pure)', () => {
  it('admits rpm requests in a clock minute, refuses the next until the minute ends, and starts again in the next', () => {
    let window = emptyWindow;
    for (let i = 0; i < 3; i++) {
      const step = admitRequest(window, { rpm: 3 }, T + i * 1000);
      expect(step.refused).toBeNull();
      window = step.window;
    }
    const refused = admitRequest(window, { rpm: 3 }, T + 5000);
    expect(refused.refused).toEqual({ limit: 'rpm', retryAfterMs: MINUTE - 25_000 });
    expect(admitRequest(refused.window, { rpm: 3 }, T + 40_000).refused).toBeNull();
  });

  it('refuses once the day has its tokens, until the UTC day ends; the day after starts from zero', () => {
    const spent = addTokens(emptyWindow, 100, T);
    expect(admitRequest(spent, { tokensPerDay: 101 }, T + 1).refused).toBeNull();
    const refused = admitRequest(spent, { tokensPerDay: 100 }, T + 1);
    expect(refused.refused).toEqual({ limit: 'tokensPerDay', retryAfterMs: DAY - (10 * 3_600_000 + 20_001) });
    expect(admitRequest(spent, { tokensPerDay: 100 }, T + DAY).refused).toBeNull();
  });

  it('keeps the counts of the current windows only', () => {
    const window = addTokens(admitRequest(emptyWindow, {}, T).window, 5, T);
    expect(currentWindow(window, T + 1)).toBe(window);
    expect(currentWindow(window, T + MINUTE)).toMatchObject({ requests: 0, tokens: 5 });
    expect(currentWindow(window, T + DAY)).toMatchObject({ requests: 0, tokens: 0 });
  });
});
