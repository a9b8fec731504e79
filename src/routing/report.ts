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
  const { route, outcome, at } = facts;
  const ids = actorIds(route);
  switch (outcome.kind) {
    case 'success':
      return succeeded(facts, ids);
    case 'endpoint_failure':
      return [failed(route, at, ids.backend, outcome.code), failed(route, at, ids.baseUrl, outcome.code), ...releases(route, at, [ids.pool])];
    case 'rate_limited': {
      const waitMs = outcome.retryAfterMs ?? exponentialCooldownMs(facts.credential?.cooldownStreak ?? 0);
      const event: BreakerEvent = {
        type: 'credential.rate_limited',
        at,
        probe: probe(route, ids.pool),
        code: outcome.code,
        credentialId: route.credentialId,
        cooldownUntil: at + waitMs,
        baseUrlIndex: route.baseUrlIndex,
        ...(facts.quota === undefined ? {} : { quota: facts.quota }),
      };
      return [...releases(route, at, [ids.backend, ids.baseUrl]), { actorId: ids.pool, event }];
    }
    case 'capacity_exhausted': {
      const until = at + (outcome.retryAfterMs ?? CAPACITY_DEFAULT_MS);
      const reason = `model capacity exhausted (${route.model})`;
      return [...releases(route, at, [ids.backend, ids.baseUrl]), { actorId: ids.pool, event: { type: 'breaker.trip', at, until, reason } }];
    }
    case 'auth_failed': {
      const { credentialId } = route;
      const refusedBy = { baseUrlIndex: route.baseUrlIndex, baseUrlCount: route.backend.baseUrlActorIds.length };
      return [
        ...releases(route, at, [ids.backend, ids.baseUrl]),
        {
          actorId: ids.pool,
          event: { type: 'credential.rejected', at, probe: probe(route, ids.pool), code: outcome.code, credentialId, ...refusedBy },
        },
        ...siblingPools(route).map((actorId) => ({
          actorId,
          event: { type: 'credential.disable', at, credentialId, reason: outcome.code, ...refusedBy } as const,
        })),
      ];
    }
    case 'client_error':
    case 'context_exceeded':
    case 'cancelled':
      return releases(route, at, [ids.backend, ids.baseUrl, ids.pool]);
  }
}

/** Whether this call holds a probe permit of `actorId`. */
const probe = (route: Route, actorId: string): boolean => route.probes.includes(actorId);

function failed(route: Route, at: number, actorId: string, code: string, latencyMs?: number): Addressed {
  const event: Extract<BreakerEvent, { type: 'call.failed' }> = { type: 'call.failed', at, probe: probe(route, actorId), code };
  if (latencyMs !== undefined) event.latencyMs = latencyMs;
  return { actorId, event };
}

/** A `call.released` for each of `candidates` that lent this call a probe permit: a release matters to no other breaker. */
function releases(route: Route, at: number, candidates: readonly string[]): Addressed[] {
  return candidates.filter((actorId) => probe(route, actorId)).map((actorId) => ({ actorId, event: { type: 'call.released', at, probe: true } }));
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

function succeeded(facts: AttemptFacts, ids: ReturnType<typeof actorIds>): Addressed[] {
  const { at, route, latencyMs } = facts;
  const credential: Extract<BreakerEvent, { type: 'call.succeeded' }> = {
    type: 'call.succeeded',
    at,
    probe: probe(route, ids.pool),
    credentialId: route.credentialId,
  };
  if (latencyMs !== undefined) credential.latencyMs = latencyMs;
  if (facts.quota !== undefined) credential.quota = facts.quota;
  const pool: Addressed = { actorId: ids.pool, event: credential };
  const slowMs = route.backend.config.breaker.slowCallMs;
  if (slowMs !== undefined && latencyMs !== undefined && latencyMs > slowMs) {
    return [failed(route, at, ids.backend, 'slow_call', latencyMs), failed(route, at, ids.baseUrl, 'slow_call', latencyMs), pool];
  }
  return [
    { actorId: ids.backend, event: endpointSuccess(route, at, ids.backend, latencyMs) },
    { actorId: ids.baseUrl, event: endpointSuccess(route, at, ids.baseUrl, latencyMs) },
    pool,
  ];
}

function endpointSuccess(route: Route, at: number, actorId: string, latencyMs: number | undefined): BreakerEvent {
  const event: Extract<BreakerEvent, { type: 'call.succeeded' }> = { type: 'call.succeeded', at, probe: probe(route, actorId) };
  if (latencyMs !== undefined) event.latencyMs = latencyMs;
  return event;
}
