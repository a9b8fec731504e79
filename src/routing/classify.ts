import { retryHintMs } from './retry-hint.js';
import { httpCode, type HttpCode, type UpstreamCode } from '../shared/upstream-code.js';

/**
 * One pure function turns what an upstream did into an Outcome, and the Outcome alone
 * decides which actors hear of it and whether the request fails over. This file holds every
 * rule about upstream statuses: requests, the upstream guard and health probes all ask it.
 */
export type Outcome =
  | { readonly kind: 'success' }
  /** 5xx, refused, reset, timeouts: the BaseURL's and the backend's fault. */
  | { readonly kind: 'endpoint_failure'; readonly code: UpstreamCode }
  /** 429: only this credential rests, for the hint when there is one. */
  | { readonly kind: 'rate_limited'; readonly code: HttpCode; readonly retryAfterMs: number | null }
  /** 429 saying the model itself has no capacity: the (backend, model pool) rests; fall back. */
  | { readonly kind: 'capacity_exhausted'; readonly code: 'model_capacity_exhausted'; readonly retryAfterMs: number | null }
  /** 401/403, or a credential with nothing to present (an OAuth one without an access token): this credential is disabled. */
  | { readonly kind: 'auth_failed'; readonly code: HttpCode | 'no_secret' }
  /** 400/404/422 and other 4xx: the client's own fault; returned as is. */
  | { readonly kind: 'client_error'; readonly status: number }
  /** A 4xx saying the request exceeds the model's context, held back for a context fallback: blames nobody. */
  | { readonly kind: 'context_exceeded'; readonly code: 'context_length_exceeded' }
  /** The client went away: counts against nothing. */
  | { readonly kind: 'cancelled' };

export type Observed =
  | { readonly kind: 'failed'; readonly code: UpstreamCode }
  | { readonly kind: 'response'; readonly status: number; readonly headers: Readonly<Record<string, string>> };

export function classify(observed: Observed, now: number): Outcome {
  if (observed.kind === 'failed') {
    if (observed.code === 'no_secret') return { kind: 'auth_failed', code: 'no_secret' };
    return observed.code === 'client_cancelled' ? { kind: 'cancelled' } : { kind: 'endpoint_failure', code: observed.code };
  }
  const { status, headers } = observed;
  if (status < 400) return { kind: 'success' };
  if (status === 429) return { kind: 'rate_limited', code: 'http_429', retryAfterMs: retryHintMs(headers, now) };
  if (status === 401 || status === 403) return { kind: 'auth_failed', code: httpCode(status) };
  if (status === 408 || status >= 500) return { kind: 'endpoint_failure', code: httpCode(status) };
  return { kind: 'client_error', status };
}

/** Whether the request should go on to another route after this outcome. */
export function failsOver(outcome: Outcome): boolean {
  return (
    outcome.kind === 'endpoint_failure' || outcome.kind === 'rate_limited' || outcome.kind === 'capacity_exhausted' || outcome.kind === 'auth_failed'
  );
}

/** A 3xx: never passed on nor followed (the upstream guard turns it into `upstream_redirect`). */
export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/**
 * What an outcome says about the endpoint alone, as a health probe reads it: true alive
 * (success), false dead (an endpoint failure: 5xx, 408, network, timeouts), null
 * inconclusive (the credential's or the request's fault, or the probe was cancelled).
 */
export function endpointAlive(outcome: Outcome): boolean | null {
  if (outcome.kind === 'success') return true;
  if (outcome.kind === 'endpoint_failure') return false;
  return null;
}
