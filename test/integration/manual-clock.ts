import type { Clock } from '../../src/shared/clock.js';

/**
 * A simulated clock: time moves only by `advance`, and a timer runs when `advance` passes its
 * due time (in due order); a timer loop that never lets time pass throws. `pending()` is the number of timers not yet run nor cleared, so a
 * test can check that a closed gateway left none behind.
 */
export interface ManualClock {
  readonly clock: Clock;
  advance(ms: number): void;
  pending(): number;
}

export function manualClock(start = Date.UTC(2026, 11, 1)): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    clock: {
      now: () => now,
      setTimeout(callback, ms) {
        const id = ++seq;
        timers.set(id, { at: now + Math.max(0, ms), callback });
        return id;
      },
      clearTimeout(handle) {
        timers.delete(handle as number);
      },
    },
    advance(ms) {
      const until = now + ms;
      for (let runs = 0; ; runs++) {
        // A timer that re-arms itself for the same instant would spin a real process too.
        if (runs > 10_000) throw new Error('timers keep re-arming at the same time: a busy loop');
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].callback();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}
