import { vi } from 'vitest';

/**
 * Resolves once `condition()` holds, checked every `intervalMs` by `vi.waitFor`; rejects after
 * `timeoutMs` with an error naming `what` the test waited for.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 3_000, intervalMs = 10): Promise<void> {
  await vi.waitFor(
    () => {
      if (!condition()) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    },
    { timeout: timeoutMs, interval: intervalMs },
  );
}
