/**
 * A retry budget over a sliding window (10 s, in one-second buckets): retries may not exceed
 * max(share × requests in the window, minPerSecond × window seconds). Past it, a failed
 * attempt is the request's last, so a struggling fleet is not hit with a multiple of its load.
 * Time comes from the caller; the state is this object's own (one per config generation, kept
 * by a reload that leaves the budget's settings unchanged: src/app/generation.ts).
 */
export interface RetryBudgetOptions {
  readonly share: number;
  readonly minPerSecond: number;
  readonly windowMs?: number;
}

export interface RetryBudget {
  /** Counts one client request. */
  recordRequest(now: number): void;
  /** Takes one retry when the budget allows it; false means fail fast. */
  tryRetry(now: number): boolean;
  /** Requests and retries in the window ending at `now`. */
  counts(now: number): { readonly requests: number; readonly retries: number };
}

const BUCKET_MS = 1000;

export function createRetryBudget(options: RetryBudgetOptions): RetryBudget {
  const buckets = Math.max(1, Math.round((options.windowMs ?? 10_000) / BUCKET_MS));
  const requests = new Array<number>(buckets).fill(0);
  const retries = new Array<number>(buckets).fill(0);
  let currentSlot = -1;

  /** Moves the window to `now`, zeroing the buckets that fell out of it. */
  function advance(now: number): number {
    const slot = Math.floor(now / BUCKET_MS);
    if (currentSlot === -1 || slot - currentSlot >= buckets) {
      requests.fill(0);
      retries.fill(0);
    } else {
      for (let s = currentSlot + 1; s <= slot; s++) {
        requests[s % buckets] = 0;
        retries[s % buckets] = 0;
      }
    }
    if (slot > currentSlot) currentSlot = slot;
    return currentSlot % buckets;
  }

  const sum = (values: readonly number[]) => values.reduce((total, v) => total + v, 0);

  return {
    recordRequest(now) {
      requests[advance(now)]! += 1;
    },
    tryRetry(now) {
      const index = advance(now);
      const allowed = Math.max(options.share * sum(requests), options.minPerSecond * buckets);
      if (sum(retries) + 1 > allowed) return false;
      retries[index]! += 1;
      return true;
    },
    counts(now) {
      advance(now);
      return { requests: sum(requests), retries: sum(retries) };
    },
  };
}
