import type { ActorView } from '../actors/actor-tree.js';
import { healthScore } from '../machines/health.js';
import { poolChain, type PoolStep } from './model-pools.js';
import { routeWithin, type Scan } from './plan-backend.js';
import type { Random } from './random.js';
import type { Protocol } from './types.js';
import { servesKind, type BackendRoute, type RouteTable } from './route-table.js';
import type { KindScope } from './translation-step.js';
import type { Considered, ReadActor, RequestMemory, Route, Skip } from './request-memory.js';

export { credentialExclusion, emptyMemory, pairExclusion } from './request-memory.js';
export type { Considered, ReadActor, RequestMemory, Route, Skip } from './request-memory.js';

export interface RouteChoice {
  readonly route: Route | null;
  readonly skipped: readonly Skip[];
  readonly considered: readonly Considered[];
  /** When nothing is available: ms until the earliest breaker or cooldown may let a call through. */
  readonly retryAfterMs: number | null;
}

/**
 * Choosing the next route for a request: a pure function of the route table, the actors'
 * snapshots, the time, a random source and what this request has already tried.
 *
 * The model's own pool first, then its fallback pools in turn (with the model mapped). Within
 * a pool: the backends serving the request's kind (its own, or one it may be translated to) in
 * order of priority + (50 − score)/100 (+ TRANSLATED_RANK_PENALTY for another kind); within a backend, the pool and
 * backend breakers must admit the call, a credential is picked by weighted random, and
 * BaseURLs are tried healthiest first. Open breakers are skipped unless their deadline has
 * passed (then the call is a half-open probe).
 *
 * `steps` (default: the model's pool chain) replaces the chain, e.g. with a context fallback's.
 *
 * `explain` (default true): fill `skipped` and `considered` for the debug log. Without it both
 * stay empty and no per-candidate strings are built; the route chosen, `retryAfterMs` and the
 * random draws are the same either way.
 */
export function chooseRoute(
  protocol: Protocol | KindScope,
  model: string,
  table: RouteTable,
  read: ReadActor,
  now: number,
  random: Random,
  memory: RequestMemory,
  explain = true,
  steps: readonly PoolStep[] = poolChain(table.pools, model),
): RouteChoice {
  const scan: Scan = { read, now, random, memory, explain, skipped: [], wakeTimes: [], considered: [] };
  const scope = typeof protocol === 'string' ? { protocol } : protocol;
  for (const step of steps) {
    const route = routeInPool(scope, step, table, scan);
    if (route) return { route, skipped: scan.skipped, considered: scan.considered, retryAfterMs: null };
  }
  const earliest = scan.wakeTimes.length > 0 ? Math.min(...scan.wakeTimes) : null;
  return {
    route: null,
    skipped: scan.skipped,
    considered: scan.considered,
    retryAfterMs: earliest === null ? null : Math.max(0, earliest - now),
  };
}

function routeInPool(scope: KindScope, step: PoolStep, table: RouteTable, scan: Scan): Route | null {
  const candidates = table.backends.filter((b) => servesKind(b, scope) && b.serves(step.model));
  let waiting: Route | null = null;
  for (const { backend, rank, score } of orderBackends(candidates, scan.read, scan.now, scope.protocol)) {
    let considered: Considered | null = null;
    if (scan.explain) {
      considered = { backend: backend.config.id, pool: step.pool, rank, score };
      scan.considered.push(considered);
    }
    const route = routeWithin(backend, step, considered, scan);
    if (route && backend.tokenPending?.(route.credentialId) !== true) return route;
    // A credential still waiting for its access token serves only when no later backend can.
    waiting ??= route;
  }
  return waiting;
}

export function effectivePriority(backend: BackendRoute, view: ActorView, now: number): number {
  return backend.config.priority + (50 - healthScore(view.context.health, now)) / 100;
}

/**
 * A backend of another kind ranks as if its priority were this much worse: among backends of
 * one priority, those of the request's own kind always come first (a translation is lossy and
 * costs CPU), whatever their health.
 */
export const TRANSLATED_RANK_PENALTY = 1;

function orderBackends(backends: readonly BackendRoute[], read: ReadActor, now: number, protocol: Protocol) {
  return backends
    .map((backend, index) => {
      const score = healthScore(read(backend.actorId).context.health, now);
      const penalty = backend.config.kind === protocol ? 0 : TRANSLATED_RANK_PENALTY;
      return { backend, index, score, rank: backend.config.priority + penalty + (50 - score) / 100 };
    })
    .sort((a, b) => a.rank - b.rank || a.index - b.index);
}
