import type { ActorTree } from '../actors/actor-tree.js';
import type { Mutable } from '../shared/mutable.js';
import type { Clock } from '../shared/clock.js';
import { credentialOf } from '../machines/breaker.js';
import { runAttempt, type AttemptDeps, type AttemptResult } from './attempt.js';
import type { ClientErrorHold } from './context-fallback.js';
import { runContinuation, type Continuing } from './continuation-attempt.js';
import type { Route } from './plan.js';
import { quotaFromHeaders } from './quota-headers.js';
import { outcomeEvents, type AttemptFacts } from './report.js';
import { gatewayHeaders } from './request-notes.js';
import type { Job, ProbePermits } from './types.js';
import type { RoutingGeneration } from './generation.js';

/** What one attempt needs from the request handler. */
export interface GuardedAttemptDeps {
  readonly tree: ActorTree;
  readonly clock: Clock;
  readonly attempt: AttemptDeps;
  /** Probe permits shared with other instances (a cluster); absent: the actors' own permits only. */
  readonly permits?: ProbePermits;
}

/** The outcome of a probing route whose shared permit another instance holds: nothing was sent. */
export const PERMIT_TAKEN: AttemptResult = { outcome: { kind: 'cancelled' }, answered: false, permitTaken: true };

/**
 * Runs one attempt and tells the actors its outcome. Invariant: every probe permit the route
 * took (`route.probes`) comes back on every path. When the attempt or its report throws (an
 * internal error, not the upstream's), each probed actor that has not heard the outcome gets a
 * `call.released` (blaming nobody) before the error goes on to the caller.
 */
export async function attemptAndReport(
  job: Job,
  route: Route,
  attemptNumber: number,
  deps: GuardedAttemptDeps,
  hold: ClientErrorHold | undefined,
  continuing?: Continuing | null,
): Promise<AttemptResult> {
  // Only probed actors are given permits back; a route without probes needs no record of who heard.
  const told = route.probes.length > 0 ? new Set<string>() : null;
  const shared = route.probes.length > 0 && deps.permits ? await deps.permits.take(route.probes) : undefined;
  if (shared === null) {
    returnPermits(route, told, deps);
    return PERMIT_TAKEN;
  }
  try {
    const credential = credentialOf(deps.tree.peek(route.poolActorId).context, route.credentialId);
    const answerHeaders = () => gatewayHeaders(attemptNumber, route.backend.config.id, route.fallback);
    const result = continuing
      ? await runContinuation(job, route, continuing, deps.attempt)
      : await runAttempt(job, route, answerHeaders, deps.attempt, hold);
    const at = deps.clock.now();
    const quota = quotaFromHeaders(result.headers, at);
    const facts: Mutable<AttemptFacts> = { route, outcome: result.outcome, at };
    if (credential) facts.credential = credential;
    if (quota) facts.quota = quota;
    if (result.latencyMs !== undefined) facts.latencyMs = result.latencyMs;
    for (const { actorId, event } of outcomeEvents(facts)) {
      deps.tree.send(actorId, event);
      told?.add(actorId);
    }
    if (result.brokeMidStream) {
      const { latencyMs: _latency, ...unlatched } = facts;
      const broke = { ...unlatched, outcome: { kind: 'endpoint_failure', code: result.brokeMidStream } as const };
      for (const { actorId, event } of outcomeEvents(broke)) deps.tree.send(actorId, event);
    }
    return result;
  } catch (error) {
    returnPermits(route, told, deps);
    throw error;
  } finally {
    shared?.release();
  }
}

/** Gives back the probe permits of `route` that no outcome event has returned yet. */
function returnPermits(route: Route, told: ReadonlySet<string> | null, deps: GuardedAttemptDeps): void {
  const at = deps.clock.now();
  for (const actorId of route.probes) {
    if (told?.has(actorId) === true) continue;
    try {
      deps.tree.send(actorId, { type: 'call.released', at, probe: true });
    } catch {
      // The actor is gone (a reload removed it): it holds no permit any more.
    }
  }
}

/** A backend's own deadline: `timeouts.totalMs` from the request's arrival. */
export function backendDeadline(job: Job, route: Route): number {
  return job.receivedAt + route.backend.config.timeouts.totalMs;
}

/** The deps of each attempt, made once per generation (they hold its transport and limits), not per request. */
export function guardedDepsPerGeneration(gateway: Omit<GuardedAttemptDeps, 'attempt'>): (generation: RoutingGeneration) => GuardedAttemptDeps {
  let last: { generation: RoutingGeneration; guarded: GuardedAttemptDeps } | null = null;
  return (generation) => {
    if (last?.generation === generation) return last.guarded;
    const { transport, maxResponseBytes, streamResume } = generation;
    const attempt: AttemptDeps = { transport, clock: gateway.clock, maxResponseBytes, streamResume };
    const guarded = { tree: gateway.tree, clock: gateway.clock, attempt, ...(gateway.permits ? { permits: gateway.permits } : {}) };
    last = { generation, guarded };
    return guarded;
  };
}
