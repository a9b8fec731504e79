/**
 * When an OAuth credential's tokens are fetched again. Pure: times in, delays out.
 *
 * - An access token is refreshed `marginMs` before it expires, but never later than halfway
 *   through its life (a token that lives 90 s is refreshed after 45 s).
 * - A token endpoint that names no `expires_in` is taken to give tokens of DEFAULT_LIFETIME_MS.
 * - A transient failure (5xx, 429, network, an unreadable answer) is retried after
 *   `retryMs × 2^(failures − 1)`, at most `maxRetryMs`.
 */
export interface TokenTiming {
  /** Refresh this long before the access token expires. */
  readonly marginMs: number;
  /** First retry after a transient failure; doubled per failure in a row. */
  readonly retryMs: number;
  readonly maxRetryMs: number;
  /** The longest a request waits for an access token that is being fetched. */
  readonly firstTokenWaitMs: number;
  /** One exchange's deadline (connect to the whole answer). */
  readonly exchangeTimeoutMs: number;
}

export const TOKEN_TIMING: TokenTiming = {
  marginMs: 60_000,
  retryMs: 1_000,
  maxRetryMs: 60_000,
  firstTokenWaitMs: 5_000,
  exchangeTimeoutMs: 10_000,
};

export const DEFAULT_LIFETIME_MS = 3_600_000;

/** How long after it was issued a token of `lifetimeMs` is refreshed. */
export function refreshAfterMs(lifetimeMs: number, marginMs: number): number {
  return Math.max(0, lifetimeMs - Math.min(marginMs, lifetimeMs / 2));
}

/** The wait before the next exchange after `failures` transient failures in a row (1 or more). */
export function retryAfterMs(failures: number, timing: Pick<TokenTiming, 'retryMs' | 'maxRetryMs'>): number {
  return Math.min(timing.retryMs * 2 ** Math.min(Math.max(0, failures - 1), 30), timing.maxRetryMs);
}
