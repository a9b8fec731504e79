import type { ActorTree } from '../actors/actor-tree.js';
import type { Clock } from '../shared/clock.js';
import { credentialOf } from '../machines/breaker.js';
import { runAttempt, type AttemptDeps, type AttemptResult } from './attempt.js';
import type { ClientErrorHold } from './context-fallback.js';
import { runContinuation, type Continuing } from './continuation-attempt.js';
import type { Route } from './plan.js';
import { quotaFromHeaders } from './quota-headers.js';
import { outcomeEvents } from './report.js';
import { gatewayHeaders } from './request-notes.js';
import type { Job, ProbePermits } from './types.js';

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
  const told = new Set<string>();
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
    const facts = { route, outcome: result.outcome, at, ...(credential ? { credential } : {}), ...(quota ? { quota } : {}) };
    const latency = result.latencyMs === undefined ? {} : { latencyMs: result.latencyMs };
    for (const { actorId, event } of outcomeEvents({ ...facts, ...latency })) {
      deps.tree.send(actorId, event);
      told.add(actorId);
    }
    if (result.brokeMidStream) {
      const broke = { ...facts, outcome: { kind: 'endpoint_failure', code: result.brokeMidStream } as const };
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
function returnPermits(route: Route, told: ReadonlySet<string>, deps: GuardedAttemptDeps): void {
  const at = deps.clock.now();
  for (const actorId of route.probes) {
    if (told.has(actorId)) continue;
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
