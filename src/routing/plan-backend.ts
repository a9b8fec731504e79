import { admission, credentialAt, credentialCount, credentialList, credentialOf, type BreakerContext } from '../machines/breaker.js';
import { credentialWeight, enabledAt, isUsable, pairRefused, underReserve, type CredentialState } from '../machines/credentials.js';
import { healthScore } from '../machines/health.js';
import type { PoolStep } from './model-pools.js';
import { credentialExclusion, pairExclusion, type Considered, type ReadActor, type RequestMemory, type Route, type Skip } from './request-memory.js';
import type { Random } from './random.js';
import type { BackendRoute } from './route-table.js';
import { weightedPick } from './select.js';

/**
 * The route within one backend for one model pool (see plan.ts for the order). Pure: reads
 * snapshots through `scan.read`, and records why anything was skipped and when a blocked
 * route may open again (`wakeTimes`).
 */
export interface Scan {
  readonly read: ReadActor;
  readonly now: number;
  readonly random: Random;
  readonly memory: RequestMemory;
  /** Record `skipped` and `considered` (debug log); false leaves them empty. */
  readonly explain: boolean;
  readonly skipped: Skip[];
  readonly wakeTimes: number[];
  readonly considered: Considered[];
}

export function routeWithin(backend: BackendRoute, step: PoolStep, considered: Considered | null, scan: Scan): Route | null {
  const poolActorId = backend.poolActorIds.get(step.pool);
  if (poolActorId === undefined) return null;
  if (scan.memory.excluded.has(poolActorId)) {
    if (scan.explain) scan.skipped.push({ actorId: poolActorId, reason: 'model pool exhausted for this request' });
    // Its trip deadline is when this pool may answer again: the client's Retry-After.
    const openUntil = scan.read(poolActorId).context.openUntil;
    if (openUntil !== null && openUntil > scan.now) scan.wakeTimes.push(openUntil);
    return null;
  }
  const probes = admitAll([backend.actorId, poolActorId], scan);
  if (probes === null) return null;
  const poolContext = scan.read(poolActorId).context;
  const stickyId = scan.memory.sticky.get(poolActorId);
  const sticky = stickyId === undefined ? undefined : credentialOf(poolContext, stickyId);
  if (sticky && enabledAt(sticky, scan.now)) {
    const url = pickBaseUrl(backend, sticky, probes, scan, false);
    if (url) return routeOf(backend, step, poolActorId, sticky.id, url);
  }
  const credential = pickFromPool(backend, poolActorId, poolContext, considered, scan, stickyId);
  if (!credential) return null;
  const url = pickBaseUrl(backend, credential, probes, scan, true);
  return url ? routeOf(backend, step, poolActorId, credential.id, url) : null;
}

/** One object of one shape per route (no spreads on the hot path). */
function routeOf(backend: BackendRoute, step: PoolStep, poolActorId: string, credentialId: string, url: BaseUrlPick): Route {
  const route: Route = {
    backend,
    baseUrlIndex: url.baseUrlIndex,
    credentialId,
    probes: url.probes,
    poolActorId,
    modelPool: step.pool,
    model: step.model,
    upstreamModel: backend.upstreamModel(step.model),
  };
  return step.fallback ? { ...route, fallback: step.fallback } : route;
}

interface BaseUrlPick {
  readonly baseUrlIndex: number;
  readonly probes: string[];
}

/**
 * Pools larger than SAMPLE_ABOVE are not scanned whole on every request: the weighted pick is
 * made among SAMPLE_SIZE credentials drawn uniformly at random, drawn again up to SAMPLE_ROUNDS
 * times when none of them is usable (a pool whose keys are mostly cooling down), and only then
 * is the whole pool scanned, so a lone usable key is always found. Per-request work stays flat
 * from ten keys to ten thousand; within a small pool the pick is exactly weighted, and within a
 * sample it is weighted too, so keys are still favoured by weight. SAMPLE_SIZE × SAMPLE_ROUNDS
 * draws are made before a scan (why four: docs/performance.md, "Why the hot path is shaped as it is").
 * Weighing a key costs about as much as drawing one (its health, quota and cooldown are read), so
 * a sample is cheaper than a scan for any pool of more than a few SAMPLE_SIZEs (measured: same section).
 */
export const SAMPLE_ABOVE = 16;
export const SAMPLE_SIZE = 4;
export const SAMPLE_ROUNDS = 8;

function pickFromPool(
  backend: BackendRoute,
  poolActorId: string,
  pool: BreakerContext,
  considered: Considered | null,
  scan: Scan,
  stickyId: string | undefined,
): CredentialState | undefined {
  const sampled = credentialCount(pool) > SAMPLE_ABOVE;
  // A sample's pick never settles for a credential still waiting for its token: the whole pool may have a ready one.
  const sampleTiers = { pool: poolActorId, waiting: backend.tokenPending, acceptWaiting: false };
  for (let round = 0; sampled && round < SAMPLE_ROUNDS; round++) {
    const picked = pickCredential(sampleTiers, sampleOf(pool, scan.random), considered, scan, stickyId);
    if (picked) return picked;
  }
  const picked = pickCredential({ ...sampleTiers, acceptWaiting: true }, credentialList(pool), considered, scan, stickyId);
  if (!picked && scan.explain) scan.skipped.push({ actorId: poolActorId, reason: 'no usable credential' });
  return picked;
}

function sampleOf(pool: BreakerContext, random: Random): readonly CredentialState[] {
  const count = credentialCount(pool);
  const slots = new Set<number>();
  while (slots.size < SAMPLE_SIZE) slots.add(Math.floor(random() * count));
  return [...slots].map((slot) => credentialAt(pool, slot)!);
}

/** The actors that admit the call as a probe, or null when one of them blocks it. */
function admitAll(actorIds: readonly string[], scan: Scan): string[] | null {
  const probes: string[] = [];
  for (const actorId of actorIds) {
    const view = scan.read(actorId);
    const admits = admission(view.state, view.context, scan.now);
    if (admits === 'blocked') {
      blocked(actorId, view.state, view.context.openUntil, scan);
      return null;
    }
    if (admits === 'probe') probes.push(actorId);
  }
  return probes;
}

/** A half-open breaker out of permits has no known wake time: its probes decide. */
function blocked(actorId: string, state: string, openUntil: number | null, scan: Scan): void {
  if (scan.explain) scan.skipped.push({ actorId, reason: state === 'half_open' ? 'half_open, probe permits taken' : `breaker ${state}` });
  if (state === 'open' && openUntil !== null && openUntil > scan.now) scan.wakeTimes.push(openUntil);
}

/**
 * The healthiest BaseURL not yet failed for this request that admits the call, and that has not
 * refused this credential (a pair refused before its re-check time is passed over).
 */
function pickBaseUrl(
  backend: BackendRoute,
  credential: CredentialState,
  probes: readonly string[],
  scan: Scan,
  noteSkips: boolean,
): BaseUrlPick | null {
  const urls = byHealth(backend.baseUrlActorIds, scan);
  const { excluded, rateLimited } = scan.memory;
  for (const index of urls) {
    const actorId = backend.baseUrlActorIds[index]!;
    if (excluded.has(actorId)) {
      if (noteSkips && scan.explain) scan.skipped.push({ actorId, reason: 'already failed for this request' });
      continue;
    }
    if (pairRefused(credential, index, scan.now)) {
      if (noteSkips && scan.explain) scan.skipped.push({ actorId: pairExclusion(actorId, credential.id), reason: 'refused this credential' });
      continue;
    }
    const pair = rateLimited.size + excluded.size > 0 ? pairExclusion(actorId, credential.id) : null;
    if (pair !== null && (rateLimited.has(pair) || excluded.has(pair))) continue;
    const view = scan.read(actorId);
    const admits = admission(view.state, view.context, scan.now);
    if (admits === 'blocked') {
      if (noteSkips) blocked(actorId, view.state, view.context.openUntil, scan);
      continue;
    }
    return { baseUrlIndex: index, probes: admits === 'probe' ? [...probes, actorId] : [...probes] };
  }
  return null;
}

const ONLY_FIRST: readonly number[] = [0];

/** BaseURL indexes, healthiest first (ties: configured order). One BaseURL: no scoring. */
function byHealth(actorIds: readonly string[], scan: Scan): readonly number[] {
  if (actorIds.length === 1) return ONLY_FIRST;
  return actorIds
    .map((actorId, index) => ({ index, score: healthScore(scan.read(actorId).context.health, scan.now) }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((url) => url.index);
}

/** Where a pick looks: the pool, and which of its credentials wait for an access token (taken last, when `acceptWaiting`). */
interface PickTiers {
  readonly pool: string;
  readonly waiting: BackendRoute['tokenPending'];
  readonly acceptWaiting: boolean;
}

/**
 * Weighted random among usable credentials; those under their reserve only when no other is
 * usable, and those still waiting for an access token (OAuth) only after them. `stickyId` (a
 * credential already rate-limited or refused in this request, tried on the other BaseURLs
 * first) is passed over. A disabled credential whose re-check time has come is usable: this
 * call is its re-check.
 */
function pickCredential(
  tiers: PickTiers,
  credentials: readonly CredentialState[],
  considered: Considered | null,
  scan: Scan,
  stickyId: string | undefined,
): CredentialState | undefined {
  const poolActorId = tiers.pool;
  const usable: CredentialState[] = [];
  const reserved: CredentialState[] = [];
  const waiting: CredentialState[] = [];
  for (const credential of credentials) {
    const reason = unusableReason(poolActorId, credential, scan, stickyId);
    if (reason !== null) {
      if (scan.explain) scan.skipped.push({ actorId: credentialExclusion(poolActorId, credential.id), reason });
      continue;
    }
    if (tiers.waiting?.(credential.id) === true) waiting.push(credential);
    else (underReserve(credential, scan.now) ? reserved : usable).push(credential);
  }
  const ready = usable.length > 0 ? usable : reserved;
  const choices = ready.length > 0 || !tiers.acceptWaiting ? ready : waiting;
  for (const credential of usable.length > 0 && scan.explain ? reserved : []) {
    scan.skipped.push({ actorId: credentialExclusion(poolActorId, credential.id), reason: 'under its reserve' });
  }
  for (const credential of choices !== waiting && scan.explain ? waiting : []) {
    scan.skipped.push({ actorId: credentialExclusion(poolActorId, credential.id), reason: 'waiting for its access token' });
  }
  if (choices.length === 0) return undefined;
  const weight = (credential: CredentialState) => credentialWeight(credential, scan.now);
  if (considered) considered.credentials = choices.map((credential) => ({ id: credential.id, weight: round(weight(credential)) }));
  return weightedPick(choices, weight, scan.random);
}

function unusableReason(poolActorId: string, credential: CredentialState, scan: Scan, stickyId: string | undefined): string | null {
  // The `pool/credential` key is built only when this request has excluded something.
  const { excluded, rateLimited } = scan.memory;
  const key = excluded.size + rateLimited.size > 0 ? credentialExclusion(poolActorId, credential.id) : null;
  if (key !== null && excluded.has(key)) return 'already failed for this request';
  const cooling = credential.cooldownUntil !== null && credential.cooldownUntil > scan.now;
  const enabled = enabledAt(credential, scan.now);
  if (enabled && cooling) scan.wakeTimes.push(credential.cooldownUntil);
  const limited = key !== null && rateLimited.has(key);
  if (limited || credential.id === stickyId) {
    // A wait for recovery lets this request try a rate-limited credential again; a refusal stays.
    if (limited && enabled && !cooling) scan.wakeTimes.push(scan.now);
    return limited ? 'rate limited in this request' : 'refused by a BaseURL in this request';
  }
  if (!enabled) return `disabled (${credential.disabled})`;
  if (cooling) return 'cooling down';
  return isUsable(credential, scan.now) ? null : 'quota used up';
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
