import { freshHealth, healthScore, recordFailure, recordSuccesses } from './health.js';
import type { CredentialRecheckPolicy } from './breaker-policy.js';
import type { CallSuccess, CredentialInput, CredentialState, LocalQuota, QuotaPeriod, QuotaReading, RefusedPair } from './types.js';

/**
 * The state a credential pool keeps per credential (CredentialState, in types.ts). Pure data
 * and pure updates; the secret itself never appears here, only the credential's id.
 */
export type { CredentialInput, CredentialState, LocalQuota, QuotaPeriod, RefusedPair } from './types.js';

/** A refused credential is re-checked after 10 minutes, then 20, 40… at most 6 hours. */
export const RECHECK_DEFAULTS: CredentialRecheckPolicy = { afterMs: 600_000, multiplier: 2, maxMs: 21_600_000 };

/** An upstream quota reading without a reset time counts for this long after it was taken. */
export const UPSTREAM_QUOTA_TTL_MS = 60_000;

export const PERIOD_MS: Record<QuotaPeriod, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function freshCredential(input: CredentialInput): CredentialState {
  return {
    id: input.id,
    health: freshHealth,
    cooldownUntil: null,
    cooldownStreak: 0,
    disabled: null,
    disabledUntil: null,
    disabledStreak: 0,
    refusedBy: [],
    quota: input.quota ? { limit: input.quota.requests, periodMs: PERIOD_MS[input.quota.per], windowStart: 0, used: 0 } : null,
    upstreamQuota: null,
    reserve: input.reserve ?? 0,
  };
}

export function credentialSucceeded(credential: CredentialState, at: number, latencyMs?: number, quota?: QuotaReading): CredentialState {
  return credentialSucceededAll(credential, [{ at, ...(latencyMs === undefined ? {} : { latencyMs }), ...(quota ? { quota } : {}) }]);
}

/** Several successes of one credential in arrival order, as one update. */
export function credentialSucceededAll(credential: CredentialState, calls: readonly CallSuccess[]): CredentialState {
  let quota = credential.quota;
  let upstreamQuota = credential.upstreamQuota;
  for (const call of calls) {
    quota = countUse(quota, call.at);
    if (call.quota) upstreamQuota = { ...call.quota, at: call.at };
  }
  const enabled = { disabled: null, disabledUntil: null, disabledStreak: 0 };
  return { ...credential, ...enabled, health: recordSuccesses(credential.health, calls), cooldownStreak: 0, quota, upstreamQuota };
}

export function credentialFailed(
  credential: CredentialState,
  at: number,
  code: string,
  cooldownUntil?: number,
  quota?: QuotaReading,
): CredentialState {
  return {
    ...credential,
    health: recordFailure(credential.health, at, code),
    upstreamQuota: quota ? { ...quota, at } : credential.upstreamQuota,
    cooldownUntil: cooldownUntil ?? credential.cooldownUntil,
    cooldownStreak: cooldownUntil === undefined ? credential.cooldownStreak : credential.cooldownStreak + 1,
    quota: countUse(credential.quota, at),
  };
}

/** Where a refusal came from: BaseURL `index` of `count` (absent: the only one). */
export interface Refusal {
  readonly at: number;
  readonly code: string;
  readonly baseUrlIndex?: number;
  readonly baseUrlCount?: number;
}

/** afterMs × multiplier^streak, at most maxMs. */
export function recheckDelayMs(policy: CredentialRecheckPolicy | undefined, streak: number): number {
  const { afterMs, multiplier, maxMs } = policy ?? RECHECK_DEFAULTS;
  return Math.min(afterMs * multiplier ** Math.min(streak, 30), Math.max(afterMs, maxMs));
}

/**
 * A 401/403 from one BaseURL: that pair is off until its re-check time (now + the schedule's
 * current step). When every BaseURL has a pair off, the credential is disabled for the backend
 * until its re-check time, the streak grows (the next re-check is further away) and the pairs
 * are forgotten, so the re-check tries every BaseURL once more. A refusal of a disabled
 * credential before its re-check time (a late answer) changes nothing. Only a success or an
 * operator reset enables it again.
 */
export function credentialRefusedBy(credential: CredentialState, refusal: Refusal, policy?: CredentialRecheckPolicy): CredentialState {
  const { at } = refusal;
  if (credential.disabled !== null && !recheckDue(credential, at)) return credential;
  const until = at + recheckDelayMs(policy, credential.disabledStreak);
  const index = refusal.baseUrlIndex ?? 0;
  const count = refusal.baseUrlIndex === undefined ? 1 : Math.max(1, refusal.baseUrlCount ?? 1);
  const others = credential.refusedBy.filter((pair) => pair.baseUrlIndex !== index && pair.baseUrlIndex < count && pair.until > at);
  const refusedBy: RefusedPair[] = [...others, { baseUrlIndex: index, until }];
  if (refusedBy.length < count) return { ...credential, refusedBy };
  return { ...credential, disabled: refusal.code, disabledUntil: until, disabledStreak: credential.disabledStreak + 1, refusedBy: [] };
}

/** A disabled credential whose re-check time has come: the planner may try it (a probe). */
export function recheckDue(credential: CredentialState, now: number): boolean {
  return credential.disabled !== null && (credential.disabledUntil ?? 0) <= now;
}

/** Not disabled, or disabled with its re-check due. */
export function enabledAt(credential: CredentialState, now: number): boolean {
  return credential.disabled === null || recheckDue(credential, now);
}

/** Whether BaseURL `index` refused this credential and its pair's re-check time has not come. */
export function pairRefused(credential: CredentialState, index: number, now: number): boolean {
  const pairs = credential.refusedBy;
  for (const pair of pairs) if (pair.baseUrlIndex === index && pair.until > now) return true;
  return false;
}

/** A credential as after an operator reset: nothing learned about cooldowns or refusals. */
export function credentialCleared(credential: CredentialState): CredentialState {
  const cleared = { cooldownUntil: null, cooldownStreak: 0, disabled: null, disabledUntil: null, disabledStreak: 0, refusedBy: [] };
  return { ...credential, health: freshHealth, ...cleared };
}

export function isUsable(credential: CredentialState, now: number): boolean {
  if (!enabledAt(credential, now)) return false;
  if (credential.cooldownUntil !== null && credential.cooldownUntil > now) return false;
  return remainingRatio(credential, now) > 0;
}

/** Remaining share of the quota, 0–1: the tighter of the local count and the upstream's headers. */
export function remainingRatio(credential: CredentialState, now: number): number {
  let ratio = 1;
  const local = credential.quota;
  if (local) {
    const used = now - local.windowStart >= local.periodMs ? 0 : local.used;
    ratio = Math.min(ratio, Math.max(0, (local.limit - used) / local.limit));
  }
  const upstream = credential.upstreamQuota;
  if (upstream && upstream.limit > 0 && !isStale(upstream, now)) ratio = Math.min(ratio, Math.max(0, upstream.remaining / upstream.limit));
  return ratio;
}

/** True when the credential's remaining quota is under its configured reserve. */
export function underReserve(credential: CredentialState, now: number): boolean {
  return credential.reserve > 0 && remainingRatio(credential, now) < credential.reserve;
}

function isStale(reading: QuotaReading & { at: number }, now: number): boolean {
  return reading.resetAt !== undefined ? now >= reading.resetAt : now - reading.at >= UPSTREAM_QUOTA_TTL_MS;
}

/** weight = remaining-quota ratio × 0.6 + health/100 × 0.4 */
export function credentialWeight(credential: CredentialState, now: number): number {
  return remainingRatio(credential, now) * 0.6 + (healthScore(credential.health, now) / 100) * 0.4;
}

function countUse(quota: LocalQuota | null, at: number): LocalQuota | null {
  if (!quota) return null;
  if (at - quota.windowStart >= quota.periodMs) return { ...quota, windowStart: at, used: 1 };
  return { ...quota, used: quota.used + 1 };
}

/**
 * Credentials as configured now (`configured`, fresh, in config order), each carrying what the
 * same id had learned before (`learned`): health, cooldown, disabled flag, quota use. The
 * config wins for what it sets (quota limit and period, reserve). Used by restore at boot and
 * by a config reload.
 */
export function carryOver(configured: readonly CredentialState[], learned: readonly CredentialState[]): CredentialState[] {
  const byId = new Map(learned.map((credential) => [credential.id, credential]));
  return configured.map((fresh) => {
    const old = byId.get(fresh.id);
    if (!old) return fresh;
    return { ...fresh, ...old, id: fresh.id, reserve: fresh.reserve, quota: carryQuota(fresh.quota, old.quota) };
  });
}

function carryQuota(configured: LocalQuota | null, learned: LocalQuota | null): LocalQuota | null {
  if (configured === null || learned === null) return configured;
  return { ...learned, limit: configured.limit, periodMs: configured.periodMs };
}
