import { describe, expect, it } from 'vitest';
import { chooseRoute, emptyMemory, type Route } from '../../../src/routing/plan.js';
import { seededRandom } from '../../../src/routing/random.js';
import { CAPACITY_DEFAULT_MS, outcomeEvents } from '../../../src/routing/report.js';
import { backend, fleet, T0 } from './fixtures.js';

function routeFor(slowCallMs?: number): Route {
  const b = { ...backend('a'), ...(slowCallMs ? { breaker: { slowCallMs } } : {}) };
  const f = fleet({ modelPools: { claude: { match: ['claude-*'] } }, backends: [b] });
  return chooseRoute('openai', 'claude-x', f.table, f.read, T0, seededRandom(1), emptyMemory()).route!;
}

const summary = (events: ReturnType<typeof outcomeEvents>) => events.map(({ actorId, event }) => `${actorId} ${event.type}`);

describe('outcome scopes', () => {
  const route = routeFor();

  it('counts 5xx against the BaseURL and the backend only', () => {
    expect(summary(outcomeEvents({ route, outcome: { kind: 'endpoint_failure', code: 'http_503' }, at: T0 }))).toEqual([
      'backend:a call.failed',
      'baseurl:a:0 call.failed',
    ]);
  });

  it('cools down only the credential on a 429, for the hint or exponentially', () => {
    const events = outcomeEvents({ route, outcome: { kind: 'rate_limited', code: 'http_429', retryAfterMs: 2500 }, at: T0 });
    expect(summary(events)).toEqual(['pool:a:claude credential.rate_limited']);
    expect(events[0]?.event).toMatchObject({ credentialId: 'a-k1', cooldownUntil: T0 + 2500, baseUrlIndex: 0 });
    const noHint = outcomeEvents({ route, outcome: { kind: 'rate_limited', code: 'http_429', retryAfterMs: null }, at: T0 });
    expect(noHint[0]?.event).toMatchObject({ cooldownUntil: T0 + 1000 });
  });

  it('trips the model pool on capacity exhaustion', () => {
    const events = outcomeEvents({ route, outcome: { kind: 'capacity_exhausted', code: 'model_capacity_exhausted', retryAfterMs: null }, at: T0 });
    expect(events).toEqual([
      {
        actorId: 'pool:a:claude',
        event: { type: 'breaker.trip', at: T0, until: T0 + CAPACITY_DEFAULT_MS, reason: 'model capacity exhausted (claude-x)' },
      },
    ]);
  });

  it('reports a 401/403 to its pool and every sibling pool, naming the BaseURL and how many the backend has', () => {
    const events = outcomeEvents({ route, outcome: { kind: 'auth_failed', code: 'http_401' }, at: T0 });
    expect(summary(events)).toEqual(['pool:a:claude credential.rejected', 'pool:a:default credential.disable']);
    expect(events[0]?.event).toEqual({
      type: 'credential.rejected',
      at: T0,
      probe: false,
      code: 'http_401',
      credentialId: 'a-k1',
      baseUrlIndex: 0,
      baseUrlCount: 1,
    });
    expect(events[1]?.event).toMatchObject({ credentialId: 'a-k1', baseUrlIndex: 0, baseUrlCount: 1 });
  });

  it('counts nothing for client errors and cancellations, but gives back probe permits', () => {
    expect(outcomeEvents({ route, outcome: { kind: 'client_error', status: 400 }, at: T0 })).toEqual([]);
    const probing = { ...route, probes: ['backend:a'] };
    expect(summary(outcomeEvents({ route: probing, outcome: { kind: 'cancelled' }, at: T0 }))).toEqual(['backend:a call.released']);
  });

  it('counts a slow success as a failure of the endpoint, not of the credential', () => {
    const slow = routeFor(500);
    const events = outcomeEvents({ route: slow, outcome: { kind: 'success' }, at: T0, latencyMs: 900 });
    expect(summary(events)).toEqual(['backend:a call.failed', 'baseurl:a:0 call.failed', 'pool:a:claude call.succeeded']);
    expect(events[0]?.event).toMatchObject({ code: 'slow_call', latencyMs: 900 });
    const fast = outcomeEvents({ route: slow, outcome: { kind: 'success' }, at: T0, latencyMs: 100 });
    expect(summary(fast)[0]).toBe('backend:a call.succeeded');
  });
});
