import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '../../shared/clock.js';
import { Gauge, type Registry } from './prom-parts.js';

/**
 * The `nodejs_eventloop_lag_*` metrics, the series prom-client's default metrics define, sampled
 * only while the gateway serves. Node's event loop delay monitor is a timer that fires whether
 * or not anything else happens: left running, it wakes an idle gateway every
 * EVENT_LOOP_SAMPLE_MS. Here it runs from a request's end until a check period of
 * LAG_IDLE_CHECK_MS passes with no request ending, and starts again with the next one.
 *
 * Contract: `touch()` is O(1) and allocates nothing (it runs once per request); while not
 * sampling nothing is armed; a scrape reports what was sampled since the last scrape, and 0
 * for every percentile when nothing was (an idle loop has no lag to report).
 */
export interface EventLoopLag {
  /** A request ended: sampling runs (again). */
  touch(): void;
  /** Whether the monitor is sampling now. */
  readonly sampling: boolean;
  /** Samples taken since the last scrape (for tests). */
  samples(): number;
  close(): void;
}

/** How often the loop's delay is sampled while the gateway serves. */
export const EVENT_LOOP_SAMPLE_MS = 1_000;
/** Sampling stops after a check period this long in which no request ended. */
export const LAG_IDLE_CHECK_MS = 30_000;

export function createEventLoopLag(registry: Registry, clock: Clock): EventLoopLag {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  let touched = false;
  let check: unknown = null;

  const start = () => {
    histogram.enable();
    check = clock.setTimeout(onCheck, LAG_IDLE_CHECK_MS);
  };
  const onCheck = () => {
    if (touched) {
      touched = false;
      check = clock.setTimeout(onCheck, LAG_IDLE_CHECK_MS);
      return;
    }
    histogram.disable();
    check = null;
  };

  const registers = [registry];
  const gauge = (name: string, help: string, aggregator: 'average' | 'min' | 'max' = 'average') =>
    new Gauge({ name: `nodejs_eventloop_lag_${name}`, help, registers, aggregator });
  const seconds = (ns: number) => (histogram.count > 0 ? ns / 1e9 : 0);
  const lag = new Gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Lag of event loop in seconds.',
    registers,
    aggregator: 'average',
    // This one metric's collect sets every lag series, as prom-client's own does.
    collect() {
      const started = process.hrtime.bigint();
      setImmediate(() => lag.set(Number(process.hrtime.bigint() - started) / 1e9));
      min.set(seconds(histogram.min));
      max.set(seconds(histogram.max));
      mean.set(seconds(histogram.mean));
      stddev.set(seconds(histogram.stddev));
      p50.set(seconds(histogram.percentile(50)));
      p90.set(seconds(histogram.percentile(90)));
      p99.set(seconds(histogram.percentile(99)));
      histogram.reset();
    },
  });
  const min = gauge('min_seconds', 'The minimum recorded event loop delay.', 'min');
  const max = gauge('max_seconds', 'The maximum recorded event loop delay.', 'max');
  const mean = gauge('mean_seconds', 'The mean of the recorded event loop delays.');
  const stddev = gauge('stddev_seconds', 'The standard deviation of the recorded event loop delays.');
  const p50 = gauge('p50_seconds', 'The 50th percentile of the recorded event loop delays.');
  const p90 = gauge('p90_seconds', 'The 90th percentile of the recorded event loop delays.');
  const p99 = gauge('p99_seconds', 'The 99th percentile of the recorded event loop delays.');

  return {
    touch() {
      touched = true;
      if (check === null) start();
    },
    get sampling() {
      return check !== null;
    },
    samples: () => histogram.count,
    close() {
      if (check !== null) clock.clearTimeout(check);
      check = null;
      histogram.disable();
    },
  };
}
