import type { BackendRoute } from './route-table.js';

/**
 * Per-backend concurrency caps (`backends[].maxConcurrent`). A slot is taken before an
 * attempt and given back when the attempt has ended, streamed answers included. A backend
 * whose slots are all taken is excluded for the rest of the request by the caller (its BaseURLs
 * go into the request's exclusion set), so the plan moves on to the next backend; when none is left
 * the request ends as `no_route_available` (503 with Retry-After). A full backend is not a
 * failure: no actor hears of it.
 */
export interface BackendSlots {
  /** Takes a slot for this backend, or returns false when all are taken. */
  tryTake(backend: BackendRoute): boolean;
  give(backend: BackendRoute): void;
  /** Requests in flight to a backend (for tests and status pages). */
  inUse(backendId: string): number;
}

export function createBackendSlots(): BackendSlots {
  const used = new Map<string, number>();
  return {
    tryTake(backend) {
      const cap = backend.config.maxConcurrent;
      const id = backend.config.id;
      const current = used.get(id) ?? 0;
      if (cap !== undefined && current >= cap) return false;
      used.set(id, current + 1);
      return true;
    },
    give(backend) {
      const id = backend.config.id;
      const current = used.get(id) ?? 0;
      if (current <= 1) used.delete(id);
      else used.set(id, current - 1);
    },
    inUse(backendId) {
      return used.get(backendId) ?? 0;
    },
  };
}
