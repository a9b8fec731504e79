import { afterEach } from 'vitest';

/** Something a test started and must stop: a server's close, a child's kill, a feed's abort. */
export type Cleanup = () => unknown;

/**
 * A list the tests of the enclosing `describe` push their cleanups onto; after each test they run
 * in reverse order (last started, first stopped), each awaited before the next.
 */
export function cleanupAfterEach(): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}
