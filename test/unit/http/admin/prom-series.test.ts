import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry, counterSeries, histogramSeries } from '../../../../src/http/admin/prom-parts.js';
import { CacheBudget, Memo } from '../../../../src/shared/bounded-labels.js';

/**
 * prom-parts.ts series update prom-client's entries in place, through prom-client internals: a
 * series must give the very text prom-client's own `inc(labels, v)` / `observe(labels, v)` give,
 * for any sequence, across `reset()`, `registry.resetMetrics()` and `remove()`.
 */
function twins() {
  const make = () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'c_total', help: 'h', labelNames: ['b', 'a', 'o'], registers: [registry] });
    const histogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['b', 'a'], buckets: [0.1, 1, 5], registers: [registry] });
    return { registry, counter, histogram };
  };
  return { plain: make(), series: make() };
}

const COMBOS = [
  { b: 'x', a: '1', o: 'success' },
  { a: '2', b: 'y', o: 'http_503' },
  { b: 'x', a: '2', o: 'success' },
];
const VALUES = [0, 0.05, 0.1, 0.5, 1, 4.999, 5, 7, 300, 1e-9];

describe('counter and histogram series', () => {
  it('write what prom-client writes for a sequence across label combinations and resets', async () => {
    const { plain, series } = twins();
    const counters = COMBOS.map((labels) => counterSeries(series.counter, labels));
    const histograms = COMBOS.map(({ b, a }) => histogramSeries(series.histogram, { b, a }));
    const texts: [string, string][] = [];
    for (let i = 0; i < 200; i++) {
      const which = (i * 7) % COMBOS.length;
      const { b, a } = COMBOS[which]!;
      const value = VALUES[i % VALUES.length]!;
      plain.counter.inc(COMBOS[which]!, i % 3);
      counters[which]!.inc(i % 3);
      plain.histogram.observe({ b, a }, value);
      histograms[which]!.observe(value);
      if (i === 50) {
        plain.counter.reset();
        series.counter.reset();
      }
      if (i === 100) {
        plain.registry.resetMetrics();
        series.registry.resetMetrics();
      }
      if (i === 150) {
        plain.histogram.remove({ b: 'x', a: '1' });
        series.histogram.remove({ b: 'x', a: '1' });
      }
      if (i % 40 === 0) texts.push([await plain.registry.metrics(), await series.registry.metrics()]);
    }
    counters[0]!.inc();
    plain.counter.inc(COMBOS[0]!);
    texts.push([await plain.registry.metrics(), await series.registry.metrics()]);
    for (const [expected, actual] of texts) expect(actual).toBe(expected);
    expect(texts.at(-1)![1]).toContain('h_seconds_bucket{le="+Inf",b="y",a="2"}');
  });

  it('refuse what prom-client refuses, with its errors', () => {
    const { series } = twins();
    const counter = counterSeries(series.counter, COMBOS[0]!);
    const histogram = histogramSeries(series.histogram, { b: 'x', a: '1' });
    expect(() => counter.inc(-1)).toThrow('It is not possible to decrease a counter');
    expect(() => counter.inc(Infinity)).toThrow(TypeError);
    expect(() => histogram.observe(Number.NaN)).toThrow(TypeError);
    expect(() => histogramSeries(series.histogram, { b: 'x', nope: '1' })).toThrow(/not included in initial labelset/);
    expect(() => counterSeries(series.counter, { nope: '1' }).inc()).toThrow(/not included in initial labelset/);
  });
});

describe('Memo', () => {
  it('makes a value once per key while its budget lasts, then makes it on every get', () => {
    let made = 0;
    const memo = new Memo(new CacheBudget(2), (key: string) => ({ key, n: ++made }));
    expect(memo.get('a')).toBe(memo.get('a'));
    expect(memo.get('b')).toBe(memo.get('b'));
    expect(made).toBe(2);
    expect(memo.get('c')).not.toBe(memo.get('c'));
    expect(memo.get('c')).toEqual({ key: 'c', n: 5 });
    expect(memo.get('a').n).toBe(1);
  });

  it('shares one budget among the Memos of a tree', () => {
    const budget = new CacheBudget(3);
    const tree = new Memo(budget, (a: string) => new Memo(budget, (b: string) => ({ a, b })));
    expect(tree.get('x').get('1')).toBe(tree.get('x').get('1'));
    expect(tree.get('y').get('1')).not.toBe(tree.get('y').get('1'));
    expect(tree.get('x').get('2')).toEqual({ a: 'x', b: '2' });
  });
});
