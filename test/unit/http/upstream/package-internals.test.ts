import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as undici from 'undici';
import * as promClient from 'prom-client';
import * as rxjs from 'rxjs';
import { Pool } from '../../../../src/http/upstream/undici-pool.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from '../../../../src/http/admin/prom-parts.js';
import { mergeMap, Subject } from '../../../../src/routing/rx.js';

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
    expect(collectDefaultMetrics).toBe(promClient.collectDefaultMetrics);
  });

  it('the prom-client parts work together: a metric registered and rendered', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'probe_total', help: 'h', labelNames: ['x'], registers: [registry] });
    counter.inc({ x: 'y' });
    expect(await registry.metrics()).toContain('probe_total{x="y"} 1');
    expect(registry.contentType).toMatch(/^text\/plain/);
  });

  it('rxjs/internal/{Subject,operators/mergeMap} are the public Subject and mergeMap', () => {
    expect(Subject).toBe(rxjs.Subject);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- only mergeMap's resultSelector overload is deprecated
    expect(mergeMap).toBe(rxjs.mergeMap);
    const seen: number[] = [];
    const subject = new Subject<number>();
    subject.pipe(mergeMap((n) => rxjs.of(n * 2), 1)).subscribe((n) => seen.push(n));
    subject.next(1);
    subject.next(2);
    expect(seen).toEqual([2, 4]);
  });
});
