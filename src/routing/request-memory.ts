import type { ActorView } from '../actors/actor-tree.js';
import type { BackendRoute } from './route-table.js';
import { failsOver, type Outcome } from './classify.js';

/** The route a request takes, what it has tried, and the keys of its exclusions: shared by the planner (plan.ts, plan-backend.ts) and the request loop. */
export interface Route {
  readonly backend: BackendRoute;
  readonly baseUrlIndex: number;
  readonly credentialId: string;
  /** Actors whose breaker admits this call only as a probe: they need a permit. */
  readonly probes: readonly string[];
  /** The credential-pool actor of (backend, model pool). */
  readonly poolActorId: string;
  readonly modelPool: string;
  /** The model within its model pool: the client's, or a fallback pool's mapped name. */
  readonly model: string;
  /** The name the upstream is asked for: `model` through the backend's `modelAliases`. */
  readonly upstreamModel: string;
  /** `from->to` model pools when this route is a fallback. */
  readonly fallback?: string;
}

export interface Skip {
  readonly actorId: string;
  readonly reason: string;
}

/** One backend looked at, for the debug log: its rank and score, and its credentials' weights. */
export interface Considered {
  readonly backend: string;
  readonly pool: string;
  readonly rank: number;
  readonly score: number;
  credentials?: { readonly id: string; readonly weight: number }[];
}

export type ReadActor = (actorId: string) => ActorView;

/**
 * What this request has tried. `excluded` holds hard exclusions (BaseURL actor ids after an
 * endpoint failure, `baseurl|credential` pairs after an auth failure, pool actor ids after
 * capacity exhaustion); `rateLimited` holds `baseurl|credential` pairs and `pool/credential`
 * keys after 429s (a wait for recovery clears them); `sticky` maps a pool actor to the
 * credential that just got a 429 or a 401/403, to be tried on the backend's other BaseURLs
 * before another credential.
 */
export interface RequestMemory {
  readonly excluded: ReadonlySet<string>;
  readonly rateLimited: ReadonlySet<string>;
  readonly sticky: ReadonlyMap<string, string>;
}

export interface WritableMemory {
  excluded: Set<string>;
  rateLimited: Set<string>;
  sticky: Map<string, string>;
}

export const emptyMemory = (): WritableMemory => ({ excluded: new Set(), rateLimited: new Set(), sticky: new Map() });

/**
 * The memory of a request that has tried nothing yet, shared by all of them and never written
 * (typed read-only): a request makes its own (emptyMemory) only when it first has something to
 * remember, so a request answered by its first route allocates none.
 */
export const NO_MEMORY: RequestMemory = Object.freeze(emptyMemory());

export const credentialExclusion = (poolActorIdValue: string, credentialIdValue: string): string => `${poolActorIdValue}/${credentialIdValue}`;

export const pairExclusion = (baseUrlActorIdValue: string, credentialIdValue: string): string => `${baseUrlActorIdValue}|${credentialIdValue}`;

/** Notes what a request must not try again after a failed attempt (see RequestMemory); `memoryOf` gives its memory, made on first use. */
export function remember(outcome: Outcome, route: Route, memoryOf: () => WritableMemory): void {
  if (!failsOver(outcome)) return;
  const memory = memoryOf();
  const baseUrl = route.backend.baseUrlActorIds[route.baseUrlIndex]!;
  switch (outcome.kind) {
    case 'endpoint_failure':
      memory.excluded.add(baseUrl);
      return;
    case 'rate_limited':
      memory.rateLimited.add(pairExclusion(baseUrl, route.credentialId));
      memory.rateLimited.add(credentialExclusion(route.poolActorId, route.credentialId));
      memory.sticky.set(route.poolActorId, route.credentialId);
      return;
    case 'capacity_exhausted':
      memory.excluded.add(route.poolActorId);
      return;
    default:
      // auth_failed: the same credential on the backend's other BaseURLs first (the pool keeps the pair off too).
      memory.excluded.add(pairExclusion(baseUrl, route.credentialId));
      memory.sticky.set(route.poolActorId, route.credentialId);
  }
}
