import type { BreakerContext } from '../machines/breaker.js';

/**
 * When active recovery probes an open breaker: the k-th probe (k ≥ 1) of a breaker opened at
 * `openedAt` is due at openedAt + d1 + … + dk, where dj = min(intervalMs × multiplier^(j−1),
 * maxIntervalMs). A breaker that re-opened soon after closing (its `openStreak`, see
 * breaker-policy.ts) starts `streak` steps further up, so a flapping route is probed less.
 * The schedule is a pure function of the breaker's state (when it opened, its streak) and the
 * time, so it survives a restart and replays exactly; nothing counts probes.
 */
export interface RecoverySchedule {
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  readonly multiplier: number;
}

/** The first probe time strictly after `now` (the first probe when `now` is before it). */
export function nextProbeAt(schedule: RecoverySchedule, openedAt: number, now: number, streak = 0): number {
  const cap = schedule.multiplier > 1 ? Math.max(schedule.intervalMs, schedule.maxIntervalMs) : schedule.intervalMs;
  let at = openedAt;
  let gap = Math.min(schedule.intervalMs * schedule.multiplier ** Math.min(streak, 30), cap);
  // The growing part: at most log_multiplier(cap / interval) steps.
  while (gap < cap) {
    at += gap;
    if (at > now) return at;
    gap = Math.min(gap * schedule.multiplier, cap);
  }
  if (at + cap > now) return at + cap;
  return at + (Math.floor((now - at) / cap) + 1) * cap;
}

/** The open breaker's re-open streak (0 when it has none). */
export function streakOf(context: BreakerContext): number {
  return context.openStreak;
}

/** When an open breaker opened (its last transition into open); `now` when the record is missing. */
export function openedAt(context: BreakerContext, now: number): number {
  const last = context.lastTransition;
  return last !== null && last.to === 'open' ? last.at : now;
}
