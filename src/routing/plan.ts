import type { ActorView } from '../actors/actor-tree.js';
import { admission } from '../machines/breaker.js';
import { credentialWeight, isUsable, type CredentialState } from '../machines/credentials.js';
import { healthScore } from '../machines/health.js';
import type { Random } from './random.js';
import type { Protocol } from './types.js';
import type { BackendRoute, RouteTable } from './route-table.js';
import { weightedPick } from './select.js';

/**
 * Choosing the next route for a request: a pure function of the route table, the actors'
 * snapshots, the time and a random source. Backends in order of priority + (50 − score)/100,
 * BaseURLs healthiest first, a credential by weighted random; open breakers are skipped
 * unless their deadline has passed (then the call is a half-open probe).
 */
export interface Route {
  readonly backend: BackendRoute;
  readonly baseUrlIndex: number;
  readonly credentialId: string;
  /** Actors whose breaker admits this call only as a probe: they need a permit. */
  readonly probes: readonly string[];
}

export interface Skip {
  readonly actorId: string;
  readonly reason: string;
}

export interface RouteChoice {
  readonly route: Route | null;
  readonly skipped: readonly Skip[];
  /** When nothing is available: ms until the earliest breaker or cooldown may let a call through. */
  readonly retryAfterMs: number | null;
}

export type ReadActor = (actorId: string) => ActorView;

/** Ids of BaseURL actors and `backend/credential` pairs not to try again for this request. */
export type Exclusions = ReadonlySet<string>;

export const credentialExclusion = (backendId: string, credentialIdValue: string): string =>
  `${backendId}/${credentialIdValue}`;

export function chooseRoute(
  protocol: Protocol,
  model: string,
  table: RouteTable,
  read: ReadActor,
  now: number,
  random: Random,
  excluded: Exclusions,
): RouteChoice {
  const skipped: Skip[] = [];
  const wakeTimes: number[] = [];
  const candidates = table.backends.filter((backend) => backend.config.kind === protocol && backend.serves(model));

  for (const backend of orderBackends(candidates, read, now)) {
    const route = routeWithin(backend, read, now, random, excluded, skipped, wakeTimes);
    if (route) return { route, skipped, retryAfterMs: null };
  }
  const earliest = wakeTimes.length > 0 ? Math.min(...wakeTimes) : null;
  return { route: null, skipped, retryAfterMs: earliest === null ? null : Math.max(0, earliest - now) };
}

export function effectivePriority(backend: BackendRoute, view: ActorView, now: number): number {
  return backend.config.priority + (50 - healthScore(view.context.health, now)) / 100;
}

function orderBackends(backends: readonly BackendRoute[], read: ReadActor, now: number): BackendRoute[] {
  return backends
    .map((backend, index) => ({ backend, index, rank: effectivePriority(backend, read(backend.actorId), now) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.backend);
}

function routeWithin(
  backend: BackendRoute,
  read: ReadActor,
  now: number,
  random: Random,
  excluded: Exclusions,
  skipped: Skip[],
  wakeTimes: number[],
): Route | null {
  const probes: string[] = [];
  for (const actorId of [backend.actorId, backend.poolActorId]) {
    const view = read(actorId);
    const admits = admission(view.state, view.context, now);
    if (admits === 'blocked') {
      skipped.push({ actorId, reason: `breaker ${view.state}` });
      if (view.context.openUntil !== null) wakeTimes.push(view.context.openUntil);
      return null;
    }
    if (admits === 'probe') probes.push(actorId);
  }

  const credential = pickCredential(backend, read(backend.poolActorId), now, random, excluded, skipped, wakeTimes);
  if (!credential) return null;

  const baseUrls = backend.baseUrlActorIds
    .map((actorId, index) => ({ actorId, index, view: read(actorId) }))
    .sort((a, b) => healthScore(b.view.context.health, now) - healthScore(a.view.context.health, now) || a.index - b.index);
  for (const { actorId, index, view } of baseUrls) {
    if (excluded.has(actorId)) {
      skipped.push({ actorId, reason: 'already failed for this request' });
      continue;
    }
    const admits = admission(view.state, view.context, now);
    if (admits === 'blocked') {
      skipped.push({ actorId, reason: `breaker ${view.state}` });
      if (view.context.openUntil !== null) wakeTimes.push(view.context.openUntil);
      continue;
    }
    const routeProbes = admits === 'probe' ? [...probes, actorId] : probes;
    return { backend, baseUrlIndex: index, credentialId: credential.id, probes: routeProbes };
  }
  return null;
}

function pickCredential(
  backend: BackendRoute,
  pool: ActorView,
  now: number,
  random: Random,
  excluded: Exclusions,
  skipped: Skip[],
  wakeTimes: number[],
): CredentialState | undefined {
  const usable: CredentialState[] = [];
  for (const credential of Object.values(pool.context.credentials)) {
    if (excluded.has(credentialExclusion(backend.config.id, credential.id))) continue;
    if (isUsable(credential, now)) {
      usable.push(credential);
    } else if (credential.disabled === null && credential.cooldownUntil !== null) {
      wakeTimes.push(credential.cooldownUntil);
    }
  }
  if (usable.length === 0) {
    skipped.push({ actorId: backend.poolActorId, reason: 'no usable credential' });
    return undefined;
  }
  return weightedPick(usable, (credential) => credentialWeight(credential, now), random);
}
