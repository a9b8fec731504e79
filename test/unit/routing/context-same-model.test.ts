import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { buildModelPools, contextChain } from '../../../src/routing/model-pools.js';
import { chooseRoute, emptyMemory } from '../../../src/routing/plan.js';
import { seededRandom } from '../../../src/routing/random.js';
import { outcomeEvents } from '../../../src/routing/report.js';
import { retryWaitMs } from '../../../src/routing/same-model-retry.js';
import type { UpstreamCode } from '../../../src/shared/upstream-code.js';
import { backend, fleet, T0 } from './fixtures.js';

const backends = [{ id: 'a', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'k' }] }];

describe('context fallback config', () => {
  it('is validated at boot like fallback', () => {
    const bad = (modelPools: object) => () => parseConfig({ modelPools, backends });
    expect(bad({ x: { match: ['x'], contextFallback: 'nope' } })).toThrow(/modelPools\.x\.contextFallback/);
    expect(bad({ x: { match: ['x'], contextFallback: 'x' } })).toThrow(/unknown context fallback pool "x"/);
  });

  it('defaults: routing.sameModelRetryMaxMs 5000, sameModelRetryBackoffMs 500, contextMapModels {}', () => {
    const config = parseConfig({ modelPools: { x: { match: ['x'] } }, backends });
    expect(config.routing).toMatchObject({ sameModelRetryMaxMs: 5000, sameModelRetryBackoffMs: 500 });
    expect(config.modelPools.x).toMatchObject({ contextMapModels: {} });
    expect(config.modelPools.x!.contextFallback).toBeUndefined();
  });

  it('chains the context fallback (mapped by contextMapModels), then its own fallbacks', () => {
    const config = parseConfig({
      modelPools: {
        small: { match: ['s-*'], contextFallback: 'long', contextMapModels: { 's-*': 'l-1' }, fallback: 'other' },
        long: { match: ['l-*'], fallback: 'longer', mapModels: { 'l-1': 'xl-1' } },
        longer: { match: ['xl-*'] },
        other: { match: ['o-*'] },
      },
      backends,
    });
    const pools = buildModelPools(config);
    expect(contextChain(pools, { pool: 'small', model: 's-mini' }, 'small')).toEqual([
      { pool: 'long', model: 'l-1', fallback: 'small->long' },
      { pool: 'longer', model: 'xl-1', fallback: 'small->longer' },
    ]);
    expect(contextChain(pools, { pool: 'other', model: 'o-1' }, 'small')).toEqual([]);
  });
});

describe('a context error blames nobody', () => {
  it('sends the actors nothing but returned probe permits', () => {
    const f = fleet({ backends: [backend('a')] });
    const route = chooseRoute(f.config.backends[0]!.kind, 'm', f.table, f.read, T0, seededRandom(1), emptyMemory()).route!;
    const outcome = { kind: 'context_exceeded', code: 'context_length_exceeded' } as const;
    expect(outcomeEvents({ route, outcome, at: T0 })).toEqual([]);
    const probing = { ...route, probes: ['backend:a', 'baseurl:a:0', 'pool:a:default'] };
    expect(outcomeEvents({ route: probing, outcome, at: T0 }).map(({ actorId, event }) => `${actorId} ${event.type}`)).toEqual([
      'backend:a call.released',
      'baseurl:a:0 call.released',
      'pool:a:default call.released',
    ]);
  });
});

describe('same-model retry waits', () => {
  const settings = { maxMs: 5000, backoffMs: 500 };
  it('waits a 429 hint up to maxMs, not a longer one nor a missing one', () => {
    expect(retryWaitMs({ kind: 'rate_limited', code: 'http_429', retryAfterMs: 5000 }, settings, () => 0.5)).toBe(5000);
    expect(retryWaitMs({ kind: 'rate_limited', code: 'http_429', retryAfterMs: 5001 }, settings, () => 0.5)).toBeNull();
    expect(retryWaitMs({ kind: 'rate_limited', code: 'http_429', retryAfterMs: null }, settings, () => 0.5)).toBeNull();
    expect(retryWaitMs({ kind: 'capacity_exhausted', code: 'model_capacity_exhausted', retryAfterMs: 100 }, settings, () => 0.5)).toBeNull();
  });

  it('backs off ×0.5–1.5 after a transient 5xx, at most maxMs; never after other failures or when off', () => {
    const failure = (code: UpstreamCode) => ({ kind: 'endpoint_failure', code }) as const;
    expect(retryWaitMs(failure('http_503'), settings, () => 0)).toBe(250);
    expect(retryWaitMs(failure('http_529'), settings, () => 0.999)).toBe(750);
    expect(retryWaitMs(failure('http_502'), { maxMs: 300, backoffMs: 500 }, () => 0.9)).toBe(300);
    expect(retryWaitMs(failure('http_501'), settings, () => 0)).toBeNull();
    expect(retryWaitMs(failure('timeout_first_chunk'), settings, () => 0)).toBeNull();
    expect(retryWaitMs(failure('http_503'), { maxMs: 0, backoffMs: 500 }, () => 0)).toBeNull();
  });
});
