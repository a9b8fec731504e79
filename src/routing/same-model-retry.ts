import { admission } from '../machines/breaker.js';
import type { Outcome } from './classify.js';
import { credentialExclusion, pairExclusion, type ReadActor, type Route } from './plan.js';
import type { Random } from './random.js';

/**
 * Retrying the same model before switching to another. After a 429 with a short hint
 * (≤ `maxMs`) or a transient 5xx, the request goes on to the model's other credentials, BaseURLs
 * and backends at once, as always; only when the next route would ask a different model (a
 * fallback pool) does it first wait for the hint, or a jittered backoff after a 5xx, and try
 * the failed route again. Once per request; a longer hint, or no hint, switches at once.
 */
export interface SameModelSettings {
  /** The longest hint waited out on the same model; 0 turns same-model retries off. */
  readonly maxMs: number;
  /** The backoff after a transient 5xx, jittered ×0.5–1.5, at most maxMs. */
  readonly backoffMs: number;
}

export interface SameModelState {
  /** The failed route that may be tried again, and when. */
  pending: { readonly route: Route; readonly readyAt: number } | null;
  /** True once this request has made its one same-model retry. */
  used: boolean;
}

export const emptySameModelState = (): SameModelState => ({ pending: null, used: false });

/** 5xx answers worth a second try after a pause (529: Anthropic's overloaded_error). */
const TRANSIENT = new Set(['http_500', 'http_502', 'http_503', 'http_504', 'http_529']);

/** The wait a failed attempt earns before a same-model retry, or null when it earns none. */
export function retryWaitMs(outcome: Outcome, settings: SameModelSettings, random: Random): number | null {
  if (settings.maxMs <= 0) return null;
  if (outcome.kind === 'rate_limited') {
    return outcome.retryAfterMs !== null && outcome.retryAfterMs <= settings.maxMs ? outcome.retryAfterMs : null;
  }
  if (outcome.kind === 'endpoint_failure' && TRANSIENT.has(outcome.code)) {
    return Math.min(settings.maxMs, Math.round(settings.backoffMs * (0.5 + random())));
  }
  return null;
}

/**
 * Records a failed attempt; of several candidates, the one ready first is kept. A model out
 * of capacity drops a candidate of its pool: no wait brings that model back soon.
 */
export function noteFailure(state: SameModelState, route: Route, outcome: Outcome, now: number, settings: SameModelSettings, random: Random): void {
  if (state.used) return;
  if (outcome.kind === 'capacity_exhausted' && state.pending?.route.poolActorId === route.poolActorId) state.pending = null;
  const waitMs = retryWaitMs(outcome, settings, random);
  if (waitMs === null) return;
  const readyAt = now + waitMs;
  if (state.pending === null || readyAt < state.pending.readyAt) state.pending = { route, readyAt };
}

/**
 * ms to wait before trying the pending route again instead of `next`; null to take `next`:
 * it asks the same model, nothing is pending, the wait would pass `deadline`, or a breaker on
 * the pending route (backend, BaseURL, pool) will still block it when the wait is over.
 */
export function waitBeforeSwitching(state: SameModelState, next: Route, now: number, deadline: number, read: ReadActor): number | null {
  const pending = state.pending;
  if (pending === null || state.used) return null;
  if (next.model === pending.route.model && next.modelPool === pending.route.modelPool) return null;
  const readyAt = Math.max(now, pending.readyAt);
  if (readyAt >= deadline || !admitsAt(pending.route, read, readyAt)) return null;
  return readyAt - now;
}

function admitsAt(route: Route, read: ReadActor, at: number): boolean {
  const ids = [route.backend.actorId, route.backend.baseUrlActorIds[route.baseUrlIndex]!, route.poolActorId];
  return ids.every((actorId) => {
    const view = read(actorId);
    return admission(view.state, view.context, at) !== 'blocked';
  });
}

/** After the wait: lets this request try the pending route again, and spends its one retry. */
export function allowRetry(state: SameModelState, memory: { excluded: Set<string>; rateLimited: Set<string>; sticky: Map<string, string> }): void {
  const pending = state.pending;
  state.pending = null;
  state.used = true;
  if (pending === null) return;
  const { route } = pending;
  const baseUrl = route.backend.baseUrlActorIds[route.baseUrlIndex]!;
  memory.excluded.delete(baseUrl);
  memory.rateLimited.delete(pairExclusion(baseUrl, route.credentialId));
  memory.rateLimited.delete(credentialExclusion(route.poolActorId, route.credentialId));
  memory.sticky.delete(route.poolActorId);
}
