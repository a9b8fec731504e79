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
const defaultMetricsList = (require('prom-client/lib/defaultMetrics') as { metricsList: readonly string[] }).metricsList;
type DefaultMetric = (registry: PromClient.Registry, config: object) => void;

/**
 * prom-client's default metrics (`process_*`, `nodejs_*`) but its event loop lag, whose monitor
 * would wake an idle gateway: fusebox registers those series itself (event-loop-lag.ts). Each is
 * prom-client's own module, `lib/metrics/<name>`, the list its collectDefaultMetrics runs.
 */
export function collectDefaultMetrics(registry: PromClient.Registry): void {
  for (const name of defaultMetricsList) if (name !== 'eventLoopLag') (require(`prom-client/lib/metrics/${name}`) as DefaultMetric)(registry, {});
}
export type Registry = PromClient.Registry;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;

/**
 * Series: one label combination of a counter or histogram, resolved once so that counting costs
 * no label hashing. prom-client's own `labels(...)` children do not spare it (a counter child
 * is `inc` bound to its labels; both hash and validate the labels on every call), so a series
 * keeps the hash prom-client's `hashObject` makes of its labels and updates the metric's entry
 * under that hash in place, exactly as `inc` / `observe` would. What it reads of prom-client
 * (`hashMap`, `sortedLabelNames`, `upperBounds`, an entry's `value` or `sum`, `count` and
 * `bucketValues`, `lib/util`'s `hashObject`) is internal: test/unit/http/admin/prom-series.test.ts
 * checks series against prom-client's own calls, across resets. Invariants:
 * - a series holds no state of the metric: it looks its entry up on every call, so a `reset()`
 *   (prom-client replaces the hash map), a registry's `resetMetrics()` or a `remove()` is seen
 *   at once, and a missing entry is made by prom-client itself (`inc(labels, 0)`, `zero(labels)`);
 * - prom-client validates the labels (throws for a name the metric does not have): a histogram's
 *   when the series is made, a counter's when its entry is made (`inc` validates, `zero` does not);
 *   the entry keeps the series' labels object, whose key order is the order the labels are written in;
 * - a value a counter or histogram must not add (negative, not finite) goes to prom-client's own
 *   `inc` / `observe`, which throw (or, for a counter's NaN, add it) as they always did.
 */
const { hashObject } = require('prom-client/lib/util') as { hashObject: (labels: SeriesLabels, sortedNames: readonly string[]) => string };

export type SeriesLabels = Readonly<Record<string, string>>;
export interface CounterSeries {
  inc(value?: number): void;
}
export interface HistogramSeries {
  observe(value: number): void;
}
interface Internals<Entry> {
  readonly hashMap: Record<string, Entry | undefined>;
  readonly sortedLabelNames: readonly string[];
}
interface HistogramEntry {
  sum: number;
  count: number;
  readonly bucketValues: Record<string, number | undefined>;
}

export function counterSeries(counter: Counter, labels: SeriesLabels): CounterSeries {
  const internals = counter as unknown as Internals<{ value: number }>;
  const hash = hashObject(labels, internals.sortedLabelNames);
  return {
    inc(value = 1) {
      if (!(value >= 0 && value < Infinity)) {
        counter.inc(labels, value);
        return;
      }
      let entry = internals.hashMap[hash];
      if (entry === undefined) {
        counter.inc(labels, 0);
        entry = internals.hashMap[hash]!;
      }
      entry.value += value;
    },
  };
}

export function histogramSeries(histogram: Histogram, labels: SeriesLabels): HistogramSeries {
  const internals = histogram as unknown as Internals<HistogramEntry> & { readonly upperBounds: readonly number[] };
  histogram.labels(labels);
  const hash = hashObject(labels, internals.sortedLabelNames);
  const bounds = internals.upperBounds;
  // The entry's bucket keys: the bounds as property names; prom-client's "value above every bound" key is -1.
  const keys = [...bounds.map(String), '-1'];
  return {
    observe(value) {
      if (!Number.isFinite(value)) {
        histogram.observe(labels, value);
        return;
      }
      let entry = internals.hashMap[hash];
      if (entry === undefined) {
        histogram.zero(labels);
        entry = internals.hashMap[hash]!;
      }
      let bucket = 0;
      while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
      entry.sum += value;
      entry.count += 1;
      const key = keys[bucket]!;
      const count = entry.bucketValues[key];
      if (count !== undefined) entry.bucketValues[key] = count + 1;
    },
  };
}
