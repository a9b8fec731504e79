import type { Clock } from '../../src/shared/clock.js';

/**
 * Wall-clock time plus an offset the test moves forward, with timers that fire when the
 * offset passes their deadline: a wait inside the gateway ends the moment the test advances
 * past it, without sleeping. Every timer is also backed by a real (unref'd) one, so a timer
 * the test never advances past still fires in real time. `pending` lists the delays of the
 * timers not yet fired or cleared, so a test can see that the gateway is waiting, and for how long.
 */
export interface SteppingClock {
  readonly clock: Clock;
  advance(ms: number): void;
  pending(): number[];
}

interface Timer {
  readonly due: number;
  readonly ms: number;
  readonly fire: () => void;
  readonly real: NodeJS.Timeout;
}

export function steppingClock(): SteppingClock {
  let offset = 0;
  const timers = new Map<object, Timer>();
  const now = () => Date.now() + offset;
  const clock: Clock = {
    now,
    setTimeout(callback, ms) {
      const handle = {};
      const fire = () => {
        const timer = timers.get(handle);
        if (!timer) return;
        timers.delete(handle);
        clearTimeout(timer.real);
        callback();
      };
      timers.set(handle, { due: now() + ms, ms, fire, real: setTimeout(fire, ms).unref() });
      return handle;
    },
    clearTimeout(handle) {
      const timer = timers.get(handle as object);
      if (!timer) return;
      clearTimeout(timer.real);
      timers.delete(handle as object);
    },
  };
  return {
    clock,
    advance(ms) {
      offset += ms;
      for (const timer of [...timers.values()].sort((a, b) => a.due - b.due)) if (timer.due <= now()) timer.fire();
    },
    pending: () => [...timers.values()].map((timer) => timer.ms),
  };
}
