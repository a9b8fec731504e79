import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

/**
 * The parts of prom-client fusebox uses, not its index, which also loads the Pushgateway client
 * and the cluster aggregator (why: docs/performance.md, "Why the hot path is shaped as it is").
 * The paths are internal to prom-client: package.json pins it exactly,
 * test/unit/http/upstream/package-internals.test.ts proves each is the public export, and
 * test/integration/metrics-prometheus.test.ts scrapes every metric through them.
 */
const require = createRequire(import.meta.url);

export const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry;
export const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;
export const Gauge = require('prom-client/lib/gauge') as typeof PromClient.Gauge;
export const Histogram = require('prom-client/lib/histogram') as typeof PromClient.Histogram;
const defaultMetrics = require('prom-client/lib/defaultMetrics') as typeof PromClient.collectDefaultMetrics;

/**
 * How often the event loop delay is sampled for the `nodejs_eventloop_lag_*` metrics. Sampling
 * is a timer that fires whether or not anything else happens; prom-client's 10 ms would wake an
 * idle gateway a hundred times a second, so fusebox samples once a second.
 */
export const EVENT_LOOP_SAMPLE_MS = 1_000;

/** prom-client's default metrics, sampling the event loop every EVENT_LOOP_SAMPLE_MS unless told otherwise. */
export const collectDefaultMetrics = (config?: PromClient.DefaultMetricsCollectorConfiguration<PromClient.RegistryContentType>): void =>
  defaultMetrics({ eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS, ...config });
export type Registry = PromClient.Registry;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;
