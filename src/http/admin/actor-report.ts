import type { ActorView } from '../../actors/actor-tree.js';
import type { CredentialState } from '../../machines/credentials.js';
import { credentialWeight, isUsable, remainingRatio } from '../../machines/credentials.js';
import type { Health } from '../../machines/health.js';
import { healthScore } from '../../machines/health.js';
import { credentialList } from '../../machines/breaker.js';

/**
 * What the admin API, the admin SSE feed and the status page say about one actor: a plain
 * JSON view computed from its snapshot at `now`. Pure. Only ids, states, numbers and short
 * failure codes appear here; actor context holds no secret, and neither does this.
 */
export interface HealthReport {
  readonly score: number;
  readonly calls: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly lastSuccessAt: number | null;
  readonly lastFailureAt: number | null;
  readonly latencyMs: number | null;
  readonly lastErrors: readonly string[];
}

export interface CredentialReport {
  readonly id: string;
  readonly usable: boolean;
  readonly weight: number;
  readonly remainingRatio: number;
  readonly health: HealthReport;
  readonly cooldownUntil: number | null;
  readonly disabled: string | null;
  readonly quota: { readonly limit: number; readonly used: number; readonly resetsAt: number } | null;
  readonly upstreamQuota: { readonly remaining: number; readonly limit: number; readonly at: number } | null;
}

export interface ActorReport {
  readonly id: string;
  readonly role: string;
  readonly state: string;
  readonly isolated: boolean;
  readonly openUntil: number | null;
  readonly probesInFlight: number;
  readonly policy: ActorView['context']['policy'];
  readonly health: HealthReport;
  readonly lastTransition: ActorView['context']['lastTransition'];
  readonly credentials?: readonly CredentialReport[];
}

export function actorReport(view: ActorView, now: number): ActorReport {
  const { context } = view;
  const credentials = credentialList(context);
  return {
    id: context.id,
    role: context.role,
    state: view.state,
    isolated: context.isolated,
    openUntil: context.openUntil,
    probesInFlight: context.probesInFlight,
    policy: context.policy,
    health: healthReport(context.health, now),
    lastTransition: context.lastTransition,
    ...(context.role === 'pool' ? { credentials: credentials.map((c) => credentialReport(c, now)) } : {}),
  };
}

export function healthReport(health: Health, now: number): HealthReport {
  return {
    score: round(healthScore(health, now)),
    calls: health.recent.length,
    failures: health.recent.filter((ok) => !ok).length,
    consecutiveFailures: health.consecutiveFailures,
    lastSuccessAt: health.lastSuccessAt,
    lastFailureAt: health.lastFailureAt,
    latencyMs: health.latencyMs === null ? null : round(health.latencyMs),
    lastErrors: health.lastErrors,
  };
}

function credentialReport(credential: CredentialState, now: number): CredentialReport {
  const local = credential.quota;
  return {
    id: credential.id,
    usable: isUsable(credential, now),
    weight: round(credentialWeight(credential, now), 3),
    remainingRatio: round(remainingRatio(credential, now), 3),
    health: healthReport(credential.health, now),
    cooldownUntil: credential.cooldownUntil !== null && credential.cooldownUntil > now ? credential.cooldownUntil : null,
    disabled: credential.disabled,
    quota: local
      ? {
          limit: local.limit,
          used: now - local.windowStart >= local.periodMs ? 0 : local.used,
          resetsAt: local.windowStart + local.periodMs,
        }
      : null,
    upstreamQuota: credential.upstreamQuota,
  };
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
