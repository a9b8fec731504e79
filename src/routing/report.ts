import type { BreakerEvent, QuotaReading } from '../machines/events.js';
import type { CredentialState } from '../machines/credentials.js';
import type { Outcome } from './classify.js';
import type { Route } from './plan.js';
import { exponentialCooldownMs } from './retry-hint.js';

/**
 * Which actors hear of an outcome, and what they hear. Pure. Every actor on the route gets
 * exactly one event per attempt, so half-open permits are always returned.
 *
 * - success: all three succeed; a success slower (to first byte) than the backend's
 *   `breaker.slowCallMs` is a `slow_call` failure for the backend and the BaseURL.
 * - endpoint failure: the backend and the BaseURL.
 * - rate limited: `credential.rate_limited` to the pool; the credential cools down (the hint,
 *   else exponentially).
 * - capacity exhausted: the (backend, model pool) actor opens until the hint.
 * - auth failed: `credential.rejected` to the pool and `credential.disable` to its sibling
 *   pools. Both name the BaseURL that answered and how many the backend has: the pair is off,
 *   and the credential is disabled once every BaseURL refused it (credentials.ts).
 * - client error, context exceeded, cancelled: nothing counts; permits go back.
 */
export interface Addressed {
  readonly actorId: string;
  readonly event: BreakerEvent;
}

export interface AttemptFacts {
  readonly route: Route;
  readonly outcome: Outcome;
  readonly at: number;
  readonly latencyMs?: number;
  readonly quota?: QuotaReading;
  /** The chosen credential's state before this outcome (for the exponential cooldown). */
  readonly credential?: CredentialState;
}

/** How long a model pool rests after MODEL_CAPACITY_EXHAUSTED without a hint. */
export const CAPACITY_DEFAULT_MS = 60_000;

export function outcomeEvents(facts: AttemptFacts): Addressed[] {
  // A release matters only to a breaker that lent this call a probe permit.
  return addressAll(facts).filter(({ event }) => event.type !== 'call.released' || event.probe);
}

function addressAll(facts: AttemptFacts): Addressed[] {
  const { route, outcome, at } = facts;
  const ids = actorIds(route);
  const probe = (actorId: string): boolean => route.probes.includes(actorId);
  const released = (actorId: string): Addressed => ({ actorId, event: { type: 'call.released', at, probe: probe(actorId) } });
  const failed = (actorId: string, code: string, extra: { latencyMs?: number } = {}): Addressed => ({
    actorId,
    event: { type: 'call.failed', at, probe: probe(actorId), code, ...extra },
  });
  const quota = facts.quota === undefined ? {} : { quota: facts.quota };
  const credentialId = route.credentialId;
  const refusedBy = { baseUrlIndex: route.baseUrlIndex, baseUrlCount: route.backend.baseUrlActorIds.length };

  switch (outcome.kind) {
    case 'success':
      return succeeded(facts, ids, probe, failed);
    case 'endpoint_failure':
      return [failed(ids.backend, outcome.code), failed(ids.baseUrl, outcome.code), released(ids.pool)];
    case 'rate_limited': {
      const waitMs = outcome.retryAfterMs ?? exponentialCooldownMs(facts.credential?.cooldownStreak ?? 0);
      return [
        released(ids.backend),
        released(ids.baseUrl),
        {
          actorId: ids.pool,
          event: {
            type: 'credential.rate_limited',
            at,
            probe: probe(ids.pool),
            code: outcome.code,
            credentialId,
            cooldownUntil: at + waitMs,
            baseUrlIndex: route.baseUrlIndex,
            ...quota,
          },
        },
      ];
    }
    case 'capacity_exhausted': {
      const until = at + (outcome.retryAfterMs ?? CAPACITY_DEFAULT_MS);
      const reason = `model capacity exhausted (${route.model})`;
      return [released(ids.backend), released(ids.baseUrl), { actorId: ids.pool, event: { type: 'breaker.trip', at, until, reason } }];
    }
    case 'auth_failed':
      return [
        released(ids.backend),
        released(ids.baseUrl),
        {
          actorId: ids.pool,
          event: { type: 'credential.rejected', at, probe: probe(ids.pool), code: outcome.code, credentialId, ...refusedBy },
        },
        ...siblingPools(route).map((actorId) => ({
          actorId,
          event: { type: 'credential.disable', at, credentialId, reason: outcome.code, ...refusedBy } as const,
        })),
      ];
    case 'client_error':
    case 'context_exceeded':
    case 'cancelled':
      return [released(ids.backend), released(ids.baseUrl), released(ids.pool)];
  }
}

function actorIds(route: Route) {
  return {
    backend: route.backend.actorId,
    baseUrl: route.backend.baseUrlActorIds[route.baseUrlIndex]!,
    pool: route.poolActorId,
  };
}

/** The backend's other (backend, model pool) actors: an auth failure disables the credential there too. */
const siblingPools = (route: Route): string[] => [...route.backend.poolActorIds.values()].filter((id) => id !== route.poolActorId);

function succeeded(
  facts: AttemptFacts,
  ids: ReturnType<typeof actorIds>,
  probe: (actorId: string) => boolean,
  failed: (actorId: string, code: string, extra?: { latencyMs?: number }) => Addressed,
): Addressed[] {
  const { at, route } = facts;
  const latency = facts.latencyMs === undefined ? {} : { latencyMs: facts.latencyMs };
  const quota = facts.quota === undefined ? {} : { quota: facts.quota };
  const pool: Addressed = {
    actorId: ids.pool,
    event: { type: 'call.succeeded', at, probe: probe(ids.pool), credentialId: route.credentialId, ...latency, ...quota },
  };
  const slowMs = route.backend.config.breaker.slowCallMs;
  if (slowMs !== undefined && facts.latencyMs !== undefined && facts.latencyMs > slowMs) {
    return [failed(ids.backend, 'slow_call', latency), failed(ids.baseUrl, 'slow_call', latency), pool];
  }
  return [
    { actorId: ids.backend, event: { type: 'call.succeeded', at, probe: probe(ids.backend), ...latency } },
    { actorId: ids.baseUrl, event: { type: 'call.succeeded', at, probe: probe(ids.baseUrl), ...latency } },
    pool,
  ];
}
