import { describe, expect, it } from 'vitest';
import { chooseRoute, credentialExclusion, emptyMemory, pairExclusion } from '../../../src/routing/plan.js';
import { SAMPLE_ROUNDS, SAMPLE_SIZE } from '../../../src/routing/plan-backend.js';
import { seededRandom } from '../../../src/routing/random.js';
import { backend, fleet, T0 } from './fixtures.js';

const choose = (f: ReturnType<typeof fleet>, model = 'gpt-test', memory = emptyMemory(), now = T0, seed = 1) =>
  chooseRoute('openai', model, f.table, f.read, now, seededRandom(seed), memory);

function failTimes(f: ReturnType<typeof fleet>, actorId: string, n: number, at = T0) {
  for (let i = 0; i < n; i++) f.tree.send(actorId, { type: 'call.failed', at, probe: false, code: 'http_503' });
}

describe('chooseRoute: order', () => {
  it('lets a healthy backend overtake a sick one of the same priority, never a whole step better', () => {
    const f = fleet({ backends: [backend('a'), backend('b'), backend('c', { priority: 1 })] });
    expect(choose(f).route?.backend.config.id).toBe('a');
    failTimes(f, 'backend:a', 2);
    expect(choose(f).route?.backend.config.id).toBe('b');
    failTimes(f, 'backend:b', 4);
    f.tree.send('backend:c', { type: 'call.succeeded', at: T0, probe: false });
    // a: score 10 → 0.4; b: score 0 → 0.5; c: perfect, but priority 1 → 0.5 (ties keep config order)
    const ranks = choose(f).considered.map((c) => [c.backend, c.rank]);
    expect(ranks).toEqual([['a', 0.4]]);
    const all = chooseRoute('openai', 'm', f.table, f.read, T0, seededRandom(1), {
      ...emptyMemory(),
      excluded: new Set(['baseurl:a:0', 'baseurl:b:0']),
    });
    expect(all.considered.map((c) => [c.backend, c.rank])).toEqual([
      ['a', 0.4],
      ['b', 0.5],
      ['c', 0.5],
    ]);
    expect(all.route?.backend.config.id).toBe('c');
  });

  it('tries BaseURLs healthiest first; a failure moves one back', () => {
    const f = fleet({ backends: [backend('a', { urls: 3 })] });
    expect(choose(f).route?.baseUrlIndex).toBe(0);
    failTimes(f, 'baseurl:a:0', 1);
    expect(choose(f).route?.baseUrlIndex).toBe(1);
    f.tree.send('baseurl:a:2', { type: 'call.succeeded', at: T0, probe: false });
    expect(choose(f).route?.baseUrlIndex).toBe(2);
  });

  it('skips an open backend and says why; answers with the time it reopens when nothing is left', () => {
    const f = fleet({ backends: [backend('a')] });
    failTimes(f, 'backend:a', 5);
    const choice = choose(f);
    expect(choice.route).toBeNull();
    expect(choice.skipped).toContainEqual({ actorId: 'backend:a', reason: 'breaker open' });
    expect(choice.retryAfterMs).toBe(300_000);
    // after the deadline the call is a half-open probe
    const probe = choose(f, 'gpt-test', emptyMemory(), T0 + 300_000).route;
    expect(probe?.probes).toEqual(['backend:a']);
  });
});

describe('chooseRoute: credentials', () => {
  it('picks credentials in proportion to their weights (seeded, many draws)', () => {
    const f = fleet({
      backends: [
        {
          ...backend('a'),
          credentials: [
            { id: 'full', apiKey: 'x1', quota: { requests: 100, per: 'day' } },
            { id: 'half', apiKey: 'x2', quota: { requests: 100, per: 'day' } },
          ],
        },
      ],
    });
    for (let i = 0; i < 50; i++) {
      f.tree.send('pool:a:default', { type: 'call.succeeded', at: T0, probe: false, credentialId: 'half' });
    }
    f.tree.send('pool:a:default', { type: 'call.succeeded', at: T0, probe: false, credentialId: 'full' });
    // full: 0.99 × 0.6 + 0.4 = 0.994; half: 0.5 × 0.6 + 0.4 = 0.7
    const random = seededRandom(42);
    let full = 0;
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const route = chooseRoute('openai', 'm', f.table, f.read, T0, random, emptyMemory()).route!;
      if (route.credentialId === 'full') full++;
    }
    expect(full / draws).toBeCloseTo(0.994 / (0.994 + 0.7), 2);
  });

  it('skips a credential under its reserve while another remains, and uses it when none does', () => {
    const f = fleet({
      backends: [
        {
          ...backend('a'),
          credentials: [
            { id: 'low', apiKey: 'x1', quota: { requests: 10, per: 'hour' }, reserve: 0.5 },
            { id: 'other', apiKey: 'x2' },
          ],
        },
      ],
    });
    for (let i = 0; i < 6; i++) f.tree.send('pool:a:default', { type: 'call.succeeded', at: T0, probe: false, credentialId: 'low' });
    for (let seed = 0; seed < 20; seed++) expect(choose(f, 'm', emptyMemory(), T0, seed).route?.credentialId).toBe('other');
    expect(choose(f).skipped).toContainEqual({ actorId: 'pool:a:default/low', reason: 'under its reserve' });
    f.tree.send('pool:a:default', { type: 'credential.rejected', at: T0, probe: false, code: 'http_401', credentialId: 'other' });
    expect(choose(f).route?.credentialId).toBe('low');
  });

  it('after a 429 tries the same credential on another BaseURL first, then another credential', () => {
    const f = fleet({ backends: [backend('a', { urls: 2, keys: 2 })] });
    const memory = emptyMemory();
    const first = choose(f, 'm', memory).route!;
    const other = first.credentialId === 'a-k1' ? 'a-k2' : 'a-k1';
    f.tree.send('pool:a:default', {
      type: 'credential.rate_limited',
      at: T0,
      probe: false,
      code: 'http_429',
      credentialId: first.credentialId,
      cooldownUntil: T0 + 60_000,
    });
    memory.rateLimited.add(pairExclusion(`baseurl:a:${first.baseUrlIndex}`, first.credentialId));
    memory.rateLimited.add(credentialExclusion('pool:a:default', first.credentialId));
    memory.sticky.set('pool:a:default', first.credentialId);
    const second = choose(f, 'm', memory).route!;
    expect([second.credentialId, second.baseUrlIndex]).toEqual([first.credentialId, 1 - first.baseUrlIndex]);
    memory.rateLimited.add(pairExclusion(`baseurl:a:${second.baseUrlIndex}`, first.credentialId));
    expect(choose(f, 'm', memory).route?.credentialId).toBe(other);
  });

  const refuse = (f: ReturnType<typeof fleet>, credentialId: string, baseUrlIndex: number, at = T0) =>
    f.tree.send('pool:a:default', { type: 'credential.rejected', at, probe: false, code: 'http_401', credentialId, baseUrlIndex, baseUrlCount: 2 });

  it('after a 401 tries the same credential on another BaseURL first; later requests pass over the refusing pair only', () => {
    const f = fleet({ backends: [backend('a', { urls: 2, keys: 2 })] });
    const memory = emptyMemory();
    const first = choose(f, 'm', memory).route!;
    refuse(f, first.credentialId, first.baseUrlIndex);
    memory.excluded.add(pairExclusion(`baseurl:a:${first.baseUrlIndex}`, first.credentialId));
    memory.sticky.set('pool:a:default', first.credentialId);
    const second = choose(f, 'm', memory).route!;
    expect([second.credentialId, second.baseUrlIndex]).toEqual([first.credentialId, 1 - first.baseUrlIndex]);
    // a new request: the credential stays usable, never on the pair that refused it
    for (let seed = 0; seed < 20; seed++) {
      const route = choose(f, 'm', emptyMemory(), T0, seed).route!;
      if (route.credentialId === first.credentialId) expect(route.baseUrlIndex).toBe(1 - first.baseUrlIndex);
    }
    const later = chooseRoute('openai', 'm', f.table, f.read, T0, seededRandom(3), {
      ...emptyMemory(),
      excluded: new Set([credentialExclusion('pool:a:default', 'x')]),
    });
    expect(later.route).not.toBeNull();
  });

  it('passes over a credential every BaseURL refused until its re-check time, then tries it on each BaseURL once more', () => {
    const f = fleet({ backends: [backend('a', { urls: 2 })] });
    refuse(f, 'a-k1', 0);
    refuse(f, 'a-k1', 1);
    const off = choose(f, 'm');
    expect(off.route).toBeNull();
    expect(off.skipped).toContainEqual({ actorId: 'pool:a:default/a-k1', reason: 'disabled (http_401)' });
    expect(off.retryAfterMs).toBeNull();
    expect(choose(f, 'm', emptyMemory(), T0 + 599_999).route).toBeNull();
    const recheck = T0 + 600_000;
    expect(choose(f, 'm', emptyMemory(), recheck).route).toMatchObject({ credentialId: 'a-k1', baseUrlIndex: 0 });
    refuse(f, 'a-k1', 0, recheck);
    const memory = emptyMemory();
    memory.excluded.add(pairExclusion('baseurl:a:0', 'a-k1'));
    memory.sticky.set('pool:a:default', 'a-k1');
    expect(choose(f, 'm', memory, recheck).route).toMatchObject({ credentialId: 'a-k1', baseUrlIndex: 1 });
    refuse(f, 'a-k1', 1, recheck);
    // refused again by both: the next re-check is twice as far
    expect(choose(f, 'm', emptyMemory(), recheck + 1_199_999).route).toBeNull();
    expect(choose(f, 'm', emptyMemory(), recheck + 1_200_000).route?.credentialId).toBe('a-k1');
  });
});

describe('chooseRoute: model pools', () => {
  const pools = {
    claude: { match: ['claude-*'], fallback: 'gemini', mapModels: { 'claude-sonnet-4.5': 'gemini-2.5-pro', '*': 'gemini-2.5-flash' } },
    gemini: { match: ['gemini-*'] },
  };

  it('routes within the model pool actor of each backend, default for unmatched models', () => {
    const f = fleet({ modelPools: pools, backends: [backend('a')] });
    expect(choose(f, 'claude-sonnet-4.5').route?.poolActorId).toBe('pool:a:claude');
    expect(choose(f, 'gpt-4o').route?.poolActorId).toBe('pool:a:default');
    expect(f.tree.ids).toContain('pool:a:gemini');
  });

  it('falls back to the fallback pool with the mapped model when the pool is open on every backend', () => {
    const f = fleet({
      modelPools: pools,
      backends: [backend('a', { models: ['claude-*'] }), backend('b', { models: ['claude-*'] }), backend('g', { models: ['gemini-*'] })],
    });
    for (const id of ['pool:a:claude', 'pool:b:claude']) {
      f.tree.send(id, { type: 'breaker.trip', at: T0, until: T0 + 5000, reason: 'model capacity exhausted' });
    }
    const route = choose(f, 'claude-sonnet-4.5').route!;
    expect(route.backend.config.id).toBe('g');
    expect(route.poolActorId).toBe('pool:g:gemini');
    expect(route.model).toBe('gemini-2.5-pro');
    expect(route.fallback).toBe('claude->gemini');
    expect(choose(f, 'claude-haiku').route?.model).toBe('gemini-2.5-flash');
    // one backend still serving the pool is preferred over the fallback
    const memory = emptyMemory();
    expect(choose(f, 'claude-x', memory, T0 + 5000).route?.fallback).toBeUndefined();
  });

  it('moves on from a pool exhausted for this request', () => {
    const f = fleet({ modelPools: pools, backends: [backend('a')] });
    const memory = emptyMemory();
    memory.excluded.add('pool:a:claude');
    const route = choose(f, 'claude-sonnet-4.5', memory).route!;
    expect([route.poolActorId, route.model]).toEqual(['pool:a:gemini', 'gemini-2.5-pro']);
  });
});

describe('chooseRoute: large pools', () => {
  const disableAllBut = (f: ReturnType<typeof fleet>, keep: (i: number) => boolean, count: number) => {
    for (let i = 1; i <= count; i++) {
      if (!keep(i)) f.tree.send('pool:a:default', { type: 'credential.disable', at: T0, credentialId: `a-k${i}`, reason: 'http_401' });
    }
  };

  it('weighs a sample of a pool of a few dozen keys, not every key, and picks from it', () => {
    const f = fleet({ backends: [backend('a', { keys: 50 })] });
    const picked = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const choice = choose(f, 'gpt-test', emptyMemory(), T0, seed);
      const weighed = choice.considered.flatMap((c) => c.credentials ?? []);
      expect(weighed).toHaveLength(SAMPLE_SIZE);
      expect(weighed.map((c) => c.id)).toContain(choice.route!.credentialId);
      picked.add(choice.route!.credentialId);
    }
    // Uniform samples: forty picks spread over the pool, not over a few keys.
    expect(picked.size).toBeGreaterThan(20);
  });

  it('draws samples again when one holds no usable key, without scanning the whole pool', () => {
    const f = fleet({ backends: [backend('a', { keys: 500 })] });
    disableAllBut(f, (i) => i % 10 === 0, 500);
    for (let seed = 1; seed <= 5; seed++) {
      const choice = choose(f, 'm', emptyMemory(), T0, seed);
      expect(Number(choice.route!.credentialId.slice('a-k'.length)) % 10).toBe(0);
      // Only sampled keys were looked at (and skipped): at most SAMPLE_ROUNDS × SAMPLE_SIZE, not 450.
      expect(choice.skipped.length).toBeLessThanOrEqual(SAMPLE_ROUNDS * SAMPLE_SIZE);
    }
  });

  it('scans the whole pool when the samples keep missing, so a lone usable key is found', () => {
    const f = fleet({ backends: [backend('a', { keys: 500 })] });
    disableAllBut(f, (i) => i === 377, 500);
    expect(choose(f).route?.credentialId).toBe('a-k377');
    disableAllBut(f, () => false, 500);
    const none = choose(f);
    expect(none.route).toBeNull();
    expect(none.skipped.filter((s) => s.reason === 'no usable credential')).toEqual([{ actorId: 'pool:a:default', reason: 'no usable credential' }]);
  });
});
