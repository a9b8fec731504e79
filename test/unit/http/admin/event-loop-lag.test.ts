import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../../src/shared/clock.js';
import { manualClock } from '../../../integration/manual-clock.js';
import { createEventLoopLag, EVENT_LOOP_SAMPLE_MS, LAG_IDLE_CHECK_MS, type EventLoopLag } from '../../../../src/http/admin/event-loop-lag.js';
import { Registry } from '../../../../src/http/admin/prom-parts.js';

const require = createRequire(import.meta.url);
const promNames = (require('prom-client/lib/metrics/eventLoopLag') as { metricNames: string[] }).metricNames;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (real time) past the native monitor's first sample: its first interval only starts its clock. */
const pastOneSample = () => sleep(2 * EVENT_LOOP_SAMPLE_MS + 300);

function lagOf(clock: Clock): { lag: EventLoopLag; registry: Registry } {
  const registry = new Registry();
  return { lag: createEventLoopLag(registry, clock), registry };
}

describe('the event loop lag is sampled only while the gateway serves', () => {
  it('a gateway that has served nothing arms no timer and takes no sample', async () => {
    const time = manualClock();
    const { clock } = time;
    const pending = () => time.pending();
    const { lag } = lagOf(clock);
    try {
      expect(pending()).toBe(0);
      expect(lag.sampling).toBe(false);
      await pastOneSample();
      expect(lag.samples()).toBe(0);
    } finally {
      lag.close();
    }
  });

  it('a request starts sampling; a quiet check period stops it until the next request', async () => {
    const time = manualClock();
    const { clock } = time;
    const pending = () => time.pending();
    const fire = () => time.advance(LAG_IDLE_CHECK_MS);
    const { lag } = lagOf(clock);
    try {
      lag.touch();
      expect(lag.sampling).toBe(true);
      expect(pending()).toBe(1);
      await pastOneSample();
      expect(lag.samples()).toBeGreaterThan(0);
      fire(); // touched since the last check: keeps sampling
      expect(lag.sampling).toBe(true);
      expect(pending()).toBe(1);
      fire(); // nothing since: stops
      expect(lag.sampling).toBe(false);
      expect(pending()).toBe(0);
      const stopped = lag.samples();
      await pastOneSample();
      expect(lag.samples()).toBe(stopped);
      lag.touch();
      expect(lag.sampling).toBe(true);
      expect(pending()).toBe(1);
    } finally {
      lag.close();
    }
    expect(pending()).toBe(0);
  });

  it('renders every series prom-client defines for the event loop lag, as numbers, sampled or not', async () => {
    const { clock } = manualClock();
    const { lag, registry } = lagOf(clock);
    try {
      const idle = await registry.metrics();
      lag.touch();
      await pastOneSample();
      const busy = await registry.metrics();
      for (const text of [idle, busy]) for (const name of promNames) expect(text).toMatch(new RegExp(`^${name} (\\d+(\\.\\d+)?(e-?\\d+)?)$`, 'm'));
      const p99 = Number(/^nodejs_eventloop_lag_p99_seconds (.+)$/m.exec(busy)![1]);
      expect(p99).toBeGreaterThan(0);
      expect(p99).toBeLessThan(5);
    } finally {
      lag.close();
    }
  });
});
