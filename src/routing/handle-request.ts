import type { ActorTree } from '../actors/actor-tree.js';
import { FuseboxError } from '../errors.js';
import { runAttempt, type AttemptDeps, type AttemptResult } from './attempt.js';
import { failsOver, type Outcome } from './classify.js';
import { chooseRoute, credentialExclusion, type Route, type Skip } from './plan.js';
import type { Random } from './random.js';
import { outcomeEvents } from './report.js';
import type { RouteTable } from './route-table.js';
import type { Job } from './types.js';

/**
 * Serves one client request: choose a route, attempt it, tell the actors, and fail over to
 * the next route until one answers or `maxAttempts` is spent. Returns what happened, for
 * the request's log line.
 */
export interface AttemptNote {
  readonly backend: string;
  readonly baseUrl: number;
  readonly credential: string;
  readonly outcome: string;
  readonly ms: number;
}

export interface RequestSummary {
  readonly status: number;
  readonly backend: string | null;
  readonly attempts: readonly AttemptNote[];
  readonly error?: string;
  readonly skipped?: readonly Skip[];
}

export interface HandlerDeps extends AttemptDeps {
  readonly table: RouteTable;
  readonly tree: ActorTree;
  readonly random: Random;
  readonly maxAttempts: number;
}

export function createRequestHandler(deps: HandlerDeps): (job: Job) => Promise<RequestSummary> {
  const read = (actorId: string) => deps.tree.view(actorId);

  return async function handleRequest(job) {
    const excluded = new Set<string>();
    const attempts: AttemptNote[] = [];
    let lastSkipped: readonly Skip[] = [];
    let retryAfterMs: number | null = null;
    let lastCode: string | null = null;

    while (attempts.length < deps.maxAttempts && !job.signal.aborted) {
      const now = deps.clock.now();
      const choice = chooseRoute(job.protocol, job.model, deps.table, read, now, deps.random, excluded);
      lastSkipped = choice.skipped;
      if (!choice.route) {
        retryAfterMs = choice.retryAfterMs;
        break;
      }
      const route = choice.route;
      for (const actorId of route.probes) deps.tree.send(actorId, { type: 'probe.start', at: now });
      const result = await attemptAndReport(job, route, attempts.length + 1, deps);
      attempts.push(note(route, result.outcome, deps.clock.now() - now));
      if (result.answered) {
        return { status: statusOf(result), backend: route.backend.config.id, attempts, skipped: lastSkipped };
      }
      if (result.outcome.kind === 'cancelled') break;
      lastCode = codeOf(result.outcome);
      excludeAfter(result.outcome, route, excluded);
    }
    if (job.signal.aborted) return { status: 499, backend: null, attempts, error: 'client_cancelled' };
    const error = finalError(attempts.length, lastCode, retryAfterMs);
    job.sink.fail(error, gatewayHeaders(attempts.length, null));
    return { status: error.status, backend: null, attempts, error: error.code, skipped: lastSkipped };
  };
}

async function attemptAndReport(
  job: Job,
  route: Route,
  attemptNumber: number,
  deps: HandlerDeps,
): Promise<AttemptResult> {
  const credential = deps.tree.view(route.backend.poolActorId).context.credentials[route.credentialId];
  const answerHeaders = () => gatewayHeaders(attemptNumber, route.backend.config.id);
  const result = await runAttempt(job, route, answerHeaders, deps);
  const at = deps.clock.now();
  const facts = { route, outcome: result.outcome, at, ...(credential ? { credential } : {}) };
  const latency = result.latencyMs === undefined ? {} : { latencyMs: result.latencyMs };
  for (const { actorId, event } of outcomeEvents({ ...facts, ...latency })) deps.tree.send(actorId, event);
  if (result.brokeMidStream) {
    const broke = { ...facts, outcome: { kind: 'endpoint_failure', code: result.brokeMidStream } as const };
    for (const { actorId, event } of outcomeEvents(broke)) deps.tree.send(actorId, event);
  }
  return result;
}

function excludeAfter(outcome: Outcome, route: Route, excluded: Set<string>): void {
  if (!failsOver(outcome)) return;
  if (outcome.kind === 'endpoint_failure') {
    excluded.add(route.backend.baseUrlActorIds[route.baseUrlIndex]!);
  } else {
    excluded.add(credentialExclusion(route.backend.config.id, route.credentialId));
  }
}

function finalError(attempts: number, lastCode: string | null, retryAfterMs: number | null): FuseboxError {
  if (attempts === 0) {
    return new FuseboxError(
      'no_route_available',
      'no healthy backend is available for this model right now',
      retryAfterMs ?? 1000,
    );
  }
  const code = lastCode ?? 'unknown';
  const message = `all ${attempts} attempt(s) failed (last: ${code})`;
  if (code.startsWith('timeout')) return new FuseboxError('upstream_timeout', message);
  return new FuseboxError('upstream_failed', message, retryAfterMs ?? undefined);
}

export function gatewayHeaders(attempts: number, backend: string | null): Record<string, string> {
  const headers: Record<string, string> = { 'x-fusebox-attempts': String(attempts) };
  if (backend !== null) headers['x-fusebox-backend'] = backend;
  return headers;
}

function note(route: Route, outcome: Outcome, ms: number): AttemptNote {
  return {
    backend: route.backend.config.id,
    baseUrl: route.baseUrlIndex,
    credential: route.credentialId,
    outcome: codeOf(outcome),
    ms,
  };
}

function codeOf(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'success':
    case 'cancelled':
      return outcome.kind;
    case 'client_error':
      return `http_${outcome.status}`;
    default:
      return outcome.code;
  }
}

function statusOf(result: AttemptResult): number {
  return result.status ?? 200;
}
