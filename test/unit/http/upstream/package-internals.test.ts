import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as undici from 'undici';
import * as promClient from 'prom-client';
import * as rxjs from 'rxjs';
import { Pool } from '../../../../src/http/upstream/undici-pool.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from '../../../../src/http/admin/prom-parts.js';
import { Subject } from '../../../../src/routing/rx.js';

/**
 * fusebox loads three packages by paths internal to them (see docs/performance.md, "Why the
 * hot path is shaped as it is"). These paths are not part of the packages' contracts, so the
 * versions are pinned exactly in package.json and this test proves each path still resolves
 * to the very export of the package's public index that the code means.
 */
const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('deep imports into package internals', () => {
  it.each(['undici', 'prom-client', 'rxjs'])('pins %s exactly to the installed version', (name) => {
    const installed = (require(`${name}/package.json`) as { version: string }).version;
    expect(manifest.dependencies[name]).toBe(installed);
  });

  it('undici/lib/dispatcher/pool.js is the public Pool', () => {
    expect(require.resolve('undici/lib/dispatcher/pool.js')).toMatch(/undici[\\/]lib[\\/]dispatcher[\\/]pool\.js$/);
    expect(Pool).toBe(undici.Pool);
    expect(typeof Pool.prototype.dispatch).toBe('function');
    expect(typeof Pool.prototype.close).toBe('function');
  });

  it('prom-client/lib/* are the public Registry, Counter, Gauge, Histogram and collectDefaultMetrics', () => {
    expect(Registry).toBe(promClient.Registry);
    expect(Counter).toBe(promClient.Counter);
    expect(Gauge).toBe(promClient.Gauge);
    expect(Histogram).toBe(promClient.Histogram);
    expect(require('prom-client/lib/defaultMetrics')).toBe(promClient.collectDefaultMetrics);
  });

  it('the prom-client parts work together: a metric registered and rendered', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'probe_total', help: 'h', labelNames: ['x'], registers: [registry] });
    counter.inc({ x: 'y' });
    expect(await registry.metrics()).toContain('probe_total{x="y"} 1');
    expect(registry.contentType).toMatch(/^text\/plain/);
  });

  it("fusebox's collectDefaultMetrics registers every default metric of prom-client's but the event loop lag, from prom-client's own modules", async () => {
    const ours = new Registry();
    collectDefaultMetrics(ours);
    const theirs = new Registry();
    promClient.collectDefaultMetrics({ register: theirs });
    const names = (registry: Registry) => registry.getMetricsAsArray().map((metric) => metric.name);
    const lagNames = (require('prom-client/lib/metrics/eventLoopLag') as { metricNames: string[] }).metricNames;
    expect(lagNames).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(names(ours).sort()).toEqual(
      names(theirs)
        .filter((name) => !lagNames.includes(name))
        .sort(),
    );
    expect(await ours.metrics()).toContain('process_cpu_seconds_total');
    theirs.clear();
  });

  it('rxjs/internal/Subject is the public Subject', () => {
    expect(Subject).toBe(rxjs.Subject);
    const seen: number[] = [];
    const subject = new Subject<number>();
    subject.subscribe((n) => seen.push(n * 2));
    subject.next(1);
    subject.next(2);
    expect(seen).toEqual([2, 4]);
  });
});
