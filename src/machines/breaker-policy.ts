/**
 * The breaker's pure arithmetic beyond the consecutive-failure count: the failure-rate window
 * and the growing open time of a breaker that re-opens soon after closing. Every optional
 * policy field absent means the seed behaviour (no rate rule, a constant open time).
 */
export interface FailureRatePolicy {
  /** Open when at least this share (0–100) of the window failed… */
  readonly thresholdPercent: number;
  /** …of the last `window` calls… */
  readonly window: number;
  /** …once the window holds at least this many calls. */
  readonly minimumCalls: number;
}

/** When a refused credential (or pair) is tried again: afterMs × multiplier^streak, at most maxMs. */
export interface CredentialRecheckPolicy {
  readonly afterMs: number;
  readonly multiplier: number;
  readonly maxMs: number;
}

export interface BreakerPolicy {
  readonly failureThreshold: number;
  readonly recoveryMs: number;
  readonly halfOpenProbes: number;
  readonly failureRate?: FailureRatePolicy;
  /** Open time × this for each re-open within `reopenWindowMs` of closing (1 = constant). */
  readonly reopenMultiplier?: number;
  readonly reopenWindowMs?: number;
  /** The longest an open time grows to. */
  readonly maxRecoveryMs?: number;
  /** Time to first byte over this counts as a failure (applied by the router's report). */
  readonly slowCallMs?: number;
  /**
   * Active recovery: an open breaker is probed by fusebox itself (`recovery.probe.*` events), so
   * its deadline never lets it go half_open and no user request is admitted as its probe.
   */
  readonly activeRecovery?: boolean;
  /** A pool's refused credentials are re-checked on this schedule (absent: RECHECK_DEFAULTS in credentials.ts). */
  readonly credentialRecheck?: CredentialRecheckPolicy;
}

/** The failure-rate window after one more call; empty when the policy has no rate rule. */
export function pushCall(policy: BreakerPolicy, calls: readonly boolean[], ok: boolean): readonly boolean[] {
  const size = policy.failureRate?.window ?? 0;
  if (size <= 0) return calls;
  const next = calls.length >= size ? calls.slice(calls.length - size + 1) : calls.slice();
  next.push(ok);
  return next;
}

/** Whether `calls` (the window including the latest call) trips the failure-rate rule. */
export function rateTrips(policy: BreakerPolicy, calls: readonly boolean[]): boolean {
  const rule = policy.failureRate;
  if (!rule || calls.length < Math.max(1, rule.minimumCalls)) return false;
  const failed = calls.filter((ok) => !ok).length;
  return (failed * 100) / calls.length >= rule.thresholdPercent;
}

/**
 * How many times in a row the breaker has re-opened soon after closing: a re-open within
 * `reopenWindowMs` of the last close adds one; a probe failure keeps the streak; otherwise 0.
 */
export function nextOpenStreak(policy: BreakerPolicy, streak: number, closedAt: number | null, at: number, fromHalfOpen: boolean): number {
  if (fromHalfOpen) return streak;
  const window = policy.reopenWindowMs ?? policy.recoveryMs;
  return closedAt !== null && at - closedAt <= window ? streak + 1 : 0;
}

/** recoveryMs × multiplier^streak, capped at maxRecoveryMs. */
export function openDurationMs(policy: BreakerPolicy, streak: number): number {
  const multiplier = policy.reopenMultiplier ?? 1;
  const grown = policy.recoveryMs * multiplier ** Math.min(streak, 30);
  return Math.min(grown, Math.max(policy.recoveryMs, policy.maxRecoveryMs ?? Number.POSITIVE_INFINITY));
}
