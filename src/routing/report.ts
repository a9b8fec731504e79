import type { BreakerEvent, QuotaReading } from '../machines/events.js';
import type { CredentialState } from '../machines/credentials.js';
import type { Outcome } from './classify.js';
import type { Route } from './plan.js';
import { exponentialCooldownMs } from './retry-hint.js';

/**
 * Which actors hear of an outcome, and what they hear. Pure. Every actor on the route gets
 * exactly one event per attempt, so half-open permits are always returned.
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

export function outcomeEvents(facts: AttemptFacts): Addressed[] {
  // A release matters only to a breaker that lent this call a probe permit.
  return addressAll(facts).filter(({ event }) => event.type !== 'call.released' || event.probe);
}

function addressAll(facts: AttemptFacts): Addressed[] {
  const { route, outcome, at } = facts;
  const backendId = route.backend.actorId;
  const baseUrlId = route.backend.baseUrlActorIds[route.baseUrlIndex]!;
  const poolId = route.backend.poolActorId;
  const probe = (actorId: string): boolean => route.probes.includes(actorId);
  const released = (actorId: string): Addressed => ({
    actorId,
    event: { type: 'call.released', at, probe: probe(actorId) },
  });

  switch (outcome.kind) {
    case 'success': {
      const latency = facts.latencyMs === undefined ? {} : { latencyMs: facts.latencyMs };
      const quota = facts.quota === undefined ? {} : { quota: facts.quota };
      return [
        { actorId: backendId, event: { type: 'call.succeeded', at, probe: probe(backendId), ...latency } },
        { actorId: baseUrlId, event: { type: 'call.succeeded', at, probe: probe(baseUrlId), ...latency } },
        {
          actorId: poolId,
          event: { type: 'call.succeeded', at, probe: probe(poolId), credentialId: route.credentialId, ...latency, ...quota },
        },
      ];
    }
    case 'endpoint_failure':
      return [
        { actorId: backendId, event: { type: 'call.failed', at, probe: probe(backendId), code: outcome.code } },
        { actorId: baseUrlId, event: { type: 'call.failed', at, probe: probe(baseUrlId), code: outcome.code } },
        released(poolId),
      ];
    case 'rate_limited': {
      const waitMs = outcome.retryAfterMs ?? exponentialCooldownMs(facts.credential?.cooldownStreak ?? 0);
      return [
        released(backendId),
        released(baseUrlId),
        {
          actorId: poolId,
          event: {
            type: 'call.failed',
            at,
            probe: probe(poolId),
            code: outcome.code,
            credentialId: route.credentialId,
            cooldownUntil: at + waitMs,
          },
        },
      ];
    }
    case 'auth_failed':
      return [
        released(backendId),
        released(baseUrlId),
        {
          actorId: poolId,
          event: { type: 'call.failed', at, probe: probe(poolId), code: outcome.code, credentialId: route.credentialId, disable: true },
        },
      ];
    case 'client_error':
    case 'cancelled':
      return [released(backendId), released(baseUrlId), released(poolId)];
  }
}
