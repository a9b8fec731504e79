import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { ask, startCluster } from '../helpers/cluster.js';
import { redisMissing, REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startMockUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

if (redisMissing) console.warn(REDIS_SKIP_REASON);

/** Three instances, one Redis: a breaker opened through one is respected by the others; operator controls and late starters. */
describe.skipIf(redisMissing)('cluster: shared breakers', () => {
  const cleanups = cleanupAfterEach();
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('opens the breaker on every instance once one has seen the backend die; the dead upstream hears from no other', async () => {
    const dead = await startMockUpstream(() => ({ kind: 'status', status: 503 }), 'dead');
    const spare = await startMockUpstream(undefined, 'spare');
    cleanups.push(
      () => dead.close(),
      () => spare.close(),
    );
    const [a, b, c] = await startCluster(
      3,
      redis,
      {
        backends: [
          {
            id: 'd',
            baseUrls: [dead.baseUrl],
            credentials: [{ id: 'd-key', apiKey: 'sk-dead-secret-1234' }],
            breaker: { failureThreshold: 2, recoveryMs: 600_000 },
          },
          { id: 's', priority: 1, baseUrls: [spare.baseUrl], credentials: [{ id: 's-key', apiKey: 'sk-spare-secret-5678' }] },
        ],
      },
      cleanups,
    );
    for (let i = 0; i < 2; i++) expect((await ask(a!.client)).choices[0]?.message.content).toBe('hello from spare');
    const opened = a!.gw.gateway.actors.ids.filter((id) => a!.gw.gateway.actors.view(id).state === 'open');
    expect(opened).toContain('backend:d');
    expect(dead.requests).toHaveLength(2);

    for (const other of [b!, c!]) {
      await until(() => opened.every((id) => other.gw.gateway.actors.view(id).state === 'open'), 'the breakers to open on the other instances');
      const view = other.gw.gateway.actors.view('backend:d');
      expect(view.context.openUntil).toBe(a!.gw.gateway.actors.view('backend:d').context.openUntil);
      for (let i = 0; i < 3; i++) expect((await ask(other.client)).choices[0]?.message.content).toBe('hello from spare');
    }
    expect(dead.requests).toHaveLength(2);
  });

  it('shares operator isolate and reset, and a new instance starts from the shared state', async () => {
    const up = await startMockUpstream(undefined, 'up');
    cleanups.push(() => up.close());
    const config = {
      server: { adminToken: 'admin-token-0123456789' },
      backends: [{ id: 'u', baseUrls: [up.baseUrl], credentials: [{ id: 'u-key', apiKey: 'sk-up-secret-abcdef' }] }],
    };
    const [a, b] = await startCluster(2, redis, config, cleanups);
    const isolate = await fetch(`${a!.gw.url.replace('/v1', '')}/admin/actors/backend:u/isolate`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin-token-0123456789' },
    });
    expect(isolate.status).toBe(200);
    await until(() => b!.gw.gateway.actors.view('backend:u').context.isolated, 'the isolation to reach the other instance');
    const prefix = a!.gw.gateway.config.cluster!.keyPrefix;
    const [late] = await startCluster(1, redis, { ...config, cluster: { keyPrefix: prefix } }, cleanups);
    await until(() => late!.gw.gateway.actors.view('backend:u').context.isolated, 'a late instance to load the isolation');

    await fetch(`${b!.gw.url.replace('/v1', '')}/admin/actors/backend:u/reset`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin-token-0123456789' },
    });
    for (const member of [a!, late!])
      await until(() => member.gw.gateway.actors.view('backend:u').state === 'closed', 'the reset to reach every instance');
  });
});
