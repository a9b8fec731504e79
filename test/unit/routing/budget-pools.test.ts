import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { jobForModel, rewriteBodyModel } from '../../../src/routing/fallback-job.js';
import { buildModelPools, poolChain } from '../../../src/routing/model-pools.js';
import { createRetryBudget } from '../../../src/routing/retry-budget.js';
import type { Job } from '../../../src/routing/types.js';

const T0 = 1_700_000_000_000;

describe('retry budget', () => {
  it('allows max(share × requests, minPerSecond × 10) retries in a sliding 10 s window', () => {
    const budget = createRetryBudget({ share: 0.2, minPerSecond: 1 });
    for (let i = 0; i < 100; i++) budget.recordRequest(T0);
    let allowed = 0;
    while (budget.tryRetry(T0)) allowed++;
    expect(allowed).toBe(20);
    // the floor: with few requests, 10 retries per 10 s
    const quiet = createRetryBudget({ share: 0.2, minPerSecond: 1 });
    quiet.recordRequest(T0);
    let floor = 0;
    while (quiet.tryRetry(T0)) floor++;
    expect(floor).toBe(10);
  });

  it('forgets what left the window', () => {
    const budget = createRetryBudget({ share: 0, minPerSecond: 0.1 });
    expect(budget.tryRetry(T0)).toBe(true);
    expect(budget.tryRetry(T0 + 9_000)).toBe(false);
    expect(budget.tryRetry(T0 + 10_000)).toBe(true);
    expect(budget.counts(T0 + 10_000)).toEqual({ requests: 0, retries: 1 });
  });
});

describe('model pools', () => {
  const config = parseConfig({
    modelPools: {
      claude: { match: ['claude-*'], fallback: 'gemini', mapModels: { 'claude-sonnet-4.5': 'gemini-2.5-pro' } },
      gemini: { match: ['gemini-*'], fallback: 'claude', mapModels: { '*': 'claude-sonnet-4.5' } },
    },
    backends: [{ id: 'a', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'k' }] }],
  });
  const pools = buildModelPools(config);

  it('matches pools by glob, default otherwise, and maps models', () => {
    expect(pools.names).toEqual(['claude', 'gemini', 'default']);
    expect(pools.poolOf('claude-opus')).toBe('claude');
    expect(pools.poolOf('gpt-4o')).toBe('default');
    expect(pools.mapModel('claude', 'claude-sonnet-4.5')).toBe('gemini-2.5-pro');
    expect(pools.mapModel('claude', 'claude-opus')).toBe('claude-opus');
  });

  it('follows fallbacks once each, stopping at a cycle', () => {
    expect(poolChain(pools, 'claude-sonnet-4.5')).toEqual([
      { pool: 'claude', model: 'claude-sonnet-4.5' },
      { pool: 'gemini', model: 'gemini-2.5-pro', fallback: 'claude->gemini' },
    ]);
    expect(poolChain(pools, 'gpt-4o')).toEqual([{ pool: 'default', model: 'gpt-4o' }]);
  });

  it('rejects an unknown fallback and the reserved name', () => {
    const bad = (modelPools: object) => () =>
      parseConfig({ modelPools, backends: [{ id: 'a', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'k' }] }] });
    expect(bad({ x: { match: ['x'], fallback: 'nope' } })).toThrow(/modelPools\.x\.fallback|unknown fallback/);
    expect(bad({ default: { match: ['x'] } })).toThrow(/reserved/);
  });
});

describe('fallback jobs', () => {
  it('keeps the same job (same bytes) for its own model and rewrites only for another', () => {
    const body = Buffer.from('{"model":"claude-x","messages":[]}');
    const job = { model: 'claude-x', body, upstreamPath: '/chat/completions' } as unknown as Job;
    const cache = new Map<string, Job>();
    expect(jobForModel(job, 'claude-x', cache)).toBe(job);
    const other = jobForModel(job, 'gemini-2.5-pro', cache);
    expect(JSON.parse(other.body.toString())).toEqual({ model: 'gemini-2.5-pro', messages: [] });
    expect(jobForModel(job, 'gemini-2.5-pro', cache)).toBe(other);
    const gemini = { model: 'a', body, upstreamPath: '/models/a:streamGenerateContent?alt=sse' } as unknown as Job;
    expect(jobForModel(gemini, 'b', new Map()).upstreamPath).toBe('/models/b:streamGenerateContent?alt=sse');
    expect(rewriteBodyModel(Buffer.from('not json'), 'x').toString()).toBe('not json');
  });
});
