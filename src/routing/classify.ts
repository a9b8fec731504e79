import { retryHintMs } from './retry-hint.js';

/**
 * One pure function turns what an upstream did into an Outcome, and the Outcome alone
 * decides which actors hear of it and whether the request fails over.
 */
export type Outcome =
  | { readonly kind: 'success' }
  /** 5xx, refused, reset, timeouts: the BaseURL's and the backend's fault. */
  | { readonly kind: 'endpoint_failure'; readonly code: string }
  /** 429: only this credential rests, for the hint when there is one. */
  | { readonly kind: 'rate_limited'; readonly code: string; readonly retryAfterMs: number | null }
  /** 429 saying the model itself has no capacity: the (backend, model pool) rests; fall back. */
  | { readonly kind: 'capacity_exhausted'; readonly code: string; readonly retryAfterMs: number | null }
  /** 401/403: this credential is disabled. */
  | { readonly kind: 'auth_failed'; readonly code: string }
  /** 400/404/422 and other 4xx: the client's own fault; returned as is. */
  | { readonly kind: 'client_error'; readonly status: number }
  /** A 4xx saying the request exceeds the model's context, held back for a context fallback: blames nobody. */
  | { readonly kind: 'context_exceeded'; readonly code: string }
  /** The client went away: counts against nothing. */
  | { readonly kind: 'cancelled' };

export type Observed =
  | { readonly kind: 'failed'; readonly code: string }
  | { readonly kind: 'response'; readonly status: number; readonly headers: Readonly<Record<string, string>> };

export function classify(observed: Observed, now: number): Outcome {
  if (observed.kind === 'failed') {
    return observed.code === 'client_cancelled' ? { kind: 'cancelled' } : { kind: 'endpoint_failure', code: observed.code };
  }
  const { status, headers } = observed;
  if (status < 400) return { kind: 'success' };
  if (status === 429) return { kind: 'rate_limited', code: 'http_429', retryAfterMs: retryHintMs(headers, now) };
  if (status === 401 || status === 403) return { kind: 'auth_failed', code: `http_${status}` };
  if (status === 408 || status >= 500) return { kind: 'endpoint_failure', code: `http_${status}` };
  return { kind: 'client_error', status };
}

/** Whether the request should go on to another route after this outcome. */
export function failsOver(outcome: Outcome): boolean {
  return (
    outcome.kind === 'endpoint_failure' ||
    outcome.kind === 'rate_limited' ||
    outcome.kind === 'capacity_exhausted' ||
    outcome.kind === 'auth_failed'
  );
}
