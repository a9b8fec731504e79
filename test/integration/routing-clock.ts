import type { Clock } from '../../src/shared/clock.js';

/** Wall-clock time plus an offset the test moves forward: breaker deadlines pass without sleeping. */
export function shiftedClock(): { clock: Clock; advance(ms: number): void } {
  let offset = 0;
  return {
    clock: {
      now: () => Date.now() + offset,
      setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    },
    advance(ms) {
      offset += ms;
    },
  };
}
