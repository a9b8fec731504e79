/**
 * Health bookkeeping for one backend, BaseURL or credential, and its 0–100 score.
 * Pure: every function takes the time it needs as an argument.
 *
 * score = success rate × 60 + recency of the last success × 20 (linear to 0 at 5 min)
 *       + stability (20 − 5 × consecutive failures, floor 0); no data yet = 50.
 */
export interface Health {
  /** Outcomes of the most recent calls, newest last; true = success. */
  readonly recent: readonly boolean[];
  readonly consecutiveFailures: number;
  readonly lastSuccessAt: number | null;
  readonly lastFailureAt: number | null;
  /** EWMA of time to first byte, ms; null until the first success. */
  readonly latencyMs: number | null;
  /** The last few failure codes, newest last. */
  readonly lastErrors: readonly string[];
}

export const HEALTH_WINDOW = 20;
export const RECENCY_WINDOW_MS = 5 * 60_000;
const LAST_ERRORS = 5;
const LATENCY_ALPHA = 0.3;

export const freshHealth: Health = Object.freeze({
  recent: [],
  consecutiveFailures: 0,
  lastSuccessAt: null,
  lastFailureAt: null,
  latencyMs: null,
  lastErrors: [],
});

export function recordSuccess(health: Health, at: number, latencyMs?: number): Health {
  return recordSuccesses(health, [latencyMs === undefined ? { at } : { at, latencyMs }]);
}

/** Several successes in arrival order, as one update (one copy of `recent`, not one per call). */
export function recordSuccesses(health: Health, calls: readonly { at: number; latencyMs?: number }[]): Health {
  const last = calls.at(-1);
  if (last === undefined) return health;
  let latencyMs = health.latencyMs;
  for (const call of calls) if (call.latencyMs !== undefined) latencyMs = ewma(latencyMs, call.latencyMs);
  const keep = Math.max(0, Math.min(health.recent.length, HEALTH_WINDOW - calls.length));
  const recent = health.recent.slice(health.recent.length - keep);
  for (let i = Math.min(calls.length, HEALTH_WINDOW); i > 0; i--) recent.push(true);
  return { ...health, recent, consecutiveFailures: 0, lastSuccessAt: last.at, latencyMs };
}

/** A failure; `latencyMs` is given when the call still reached its first byte (a slow call). */
export function recordFailure(health: Health, at: number, code: string, latencyMs?: number): Health {
  return {
    ...health,
    recent: pushBounded(health.recent, false, HEALTH_WINDOW),
    consecutiveFailures: health.consecutiveFailures + 1,
    lastFailureAt: at,
    lastErrors: pushBounded(health.lastErrors, code, LAST_ERRORS),
    latencyMs: latencyMs === undefined ? health.latencyMs : ewma(health.latencyMs, latencyMs),
  };
}

export function healthScore(health: Health, now: number): number {
  if (health.recent.length === 0) return 50;
  let successes = 0;
  for (const ok of health.recent) if (ok) successes += 1;
  const rate = successes / health.recent.length;
  const sinceSuccess = health.lastSuccessAt === null ? Infinity : Math.max(0, now - health.lastSuccessAt);
  const recency = Math.max(0, 1 - sinceSuccess / RECENCY_WINDOW_MS);
  const stability = Math.max(0, 20 - 5 * health.consecutiveFailures);
  return rate * 60 + recency * 20 + stability;
}

function ewma(previous: number | null, sample: number): number {
  return previous === null ? sample : previous + LATENCY_ALPHA * (sample - previous);
}

function pushBounded<T>(items: readonly T[], item: T, max: number): T[] {
  const next = items.length >= max ? items.slice(items.length - max + 1) : items.slice();
  next.push(item);
  return next;
}
