import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildGeneration, type Generation } from '../../../src/app/generation.js';
import { createLiveRouting } from '../../../src/app/live-routing.js';
import { parseConfig } from '../../../src/config/load.js';
import type { ConfigInput } from '../../../src/config/schema.js';
import { plannableTable } from '../../../src/routing/generation.js';
import { systemClock } from '../../../src/shared/clock.js';

const backend = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  baseUrls: [`http://127.0.0.1:9/${id}`],
  credentials: [{ apiKey: `sk-${id}-secret` }],
  ...extra,
});
const config = (input: ConfigInput) => parseConfig({ ...input, server: { port: 0, ...input.server } });

function live(first: ReturnType<typeof config>) {
  const deps = { startConfig: first, fingerprintKey: 'k', clock: systemClock, logger: pino({ level: 'silent' }) };
  const closed: Generation[] = [];
  const routing = createLiveRouting(
    first,
    (next, previous) => {
      const generation = buildGeneration(next, previous, deps);
      const close = generation.transport.close.bind(generation.transport);
      generation.transport.close = () => (closed.push(generation), close());
      return generation;
    },
    (error) => {
      throw error;
    },
  );
  return { routing, closed };
}

describe('live routing generations', () => {
  it('builds every reloadable setting into one generation, and keeps start-only server settings', () => {
    const first = config({ backends: [backend('a')], server: { maxConcurrent: 7, apiKeys: ['client-key-one'] } });
    const { routing } = live(first);
    const next = routing.apply(
      config({
        backends: [backend('a', { forwardHeaders: ['x-trace'] })],
        routing: { maxAttempts: 2, waitForRecoveryMs: 900 },
        server: { maxConcurrent: 99, apiKeys: ['client-key-two'], maxResponseBytes: 1234 },
      }),
    );
    expect(routing.current).toBe(next);
    expect([...next.forwardHeaders]).toEqual(['x-trace']);
    expect(next).toMatchObject({ maxAttempts: 2, waitForRecoveryMs: 900, maxResponseBytes: 1234 });
    expect(next.server).toMatchObject({ maxConcurrent: 7, apiKeys: ['client-key-two'], maxResponseBytes: 1234 });
  });

  it('keeps the retry budget (and its counts) while its settings are unchanged', () => {
    const { routing } = live(config({ backends: [backend('a')] }));
    const first = routing.current;
    const same = routing.apply(config({ backends: [backend('a')], routing: { maxAttempts: 3 } }));
    expect(same.retryBudget).toBe(first.retryBudget);
    const changed = routing.apply(config({ backends: [backend('a')], routing: { retryBudget: { share: 0 } } }));
    expect(changed.retryBudget).not.toBe(first.retryBudget);
  });

  it('closes a retired generation when its last holder releases it, and withdraws what the reload changed', async () => {
    const { routing, closed } = live(config({ backends: [backend('a'), backend('b'), backend('c')] }));
    const old = routing.current;
    routing.hold(old);
    routing.hold(old);
    const next = routing.apply(config({ backends: [backend('a'), backend('b', { priority: 3 }), backend('d')] }));
    expect([...old.withdrawn].sort()).toEqual(['b', 'c']);
    expect(plannableTable(old).backends.map((b) => b.config.id)).toEqual(['a']);
    expect(next.withdrawn.size).toBe(0);
    routing.release(old);
    expect(closed).toEqual([]);
    routing.release(old);
    expect(closed).toEqual([old]);
    expect(() => routing.hold(old)).toThrow(/closed/);

    // Nobody holds the current one: a reload closes it at once.
    routing.apply(config({ backends: [backend('a')] }));
    expect(closed).toEqual([old, next]);
    await routing.close();
    expect(closed).toHaveLength(3);
  });
});
