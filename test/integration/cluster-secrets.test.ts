import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { ask, startCluster } from '../helpers/cluster.js';
import { redisMissing, REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startMockUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

if (redisMissing) console.warn(REDIS_SKIP_REASON);

const PASSWORD = 'redis-pass-0123456789';
const SECRETS = ['sk-dead-secret-1234', 'sk-limited-secret-5678', 'sk-free-secret-9012', 'admin-token-0123456789', PASSWORD];

/** Nothing secret reaches Redis or the logs, with shared breakers, cooldowns, operator controls and permits in use. */
describe.skipIf(redisMissing)('cluster: secrets', () => {
  const cleanups = cleanupAfterEach();
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis({ password: PASSWORD });
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('keeps no configured key, token or the Redis password in any key, hash field, stream entry or log line', async () => {
    const dead = await startMockUpstream(() => ({ kind: 'status', status: 503 }), 'dead');
    const up = await startMockUpstream(
      (request) =>
        request.headers.authorization === 'Bearer sk-limited-secret-5678'
          ? { kind: 'status', status: 429, headers: { 'retry-after': '60' } }
          : { kind: 'ok' },
      'up',
    );
    cleanups.push(
      () => dead.close(),
      () => up.close(),
    );
    const [a, b] = await startCluster(
      2,
      redis,
      {
        server: { adminToken: 'admin-token-0123456789' },
        backends: [
          { id: 'd', baseUrls: [dead.baseUrl], credentials: [{ apiKey: 'sk-dead-secret-1234' }], breaker: { failureThreshold: 1, recoveryMs: 1 } },
          {
            id: 'u',
            priority: 1,
            baseUrls: [up.baseUrl],
            credentials: [{ apiKey: 'sk-limited-secret-5678' }, { apiKey: 'sk-free-secret-9012' }],
          },
        ],
      },
      cleanups,
    );
    for (let i = 0; i < 10; i++) await ask(a!.client);
    for (let i = 0; i < 5; i++) await ask(b!.client);
    await until(
      () =>
        b!.gw.gateway.actors
          .view('pool:u:default')
          .context.credentialChunks.flat()
          .some((c) => c.cooldownUntil !== null),
      'the cooldown to be shared',
    );
    a!.gw.gateway.actors.send('backend:u', { type: 'operator.isolate', at: Date.now() });
    await until(() => b!.gw.gateway.actors.view('backend:u').context.isolated, 'the isolation to be shared');

    const client = new Redis(redis.url, { protocol: 2 });
    cleanups.push(() => client.quit());
    const keys = await client.keys('*');
    let text = keys.join('\n');
    for (const key of keys) {
      const type = await client.type(key);
      if (type === 'stream') text += JSON.stringify(await client.xrange(key, '-', '+'));
      else if (type === 'hash') text += JSON.stringify(await client.hgetall(key));
      else if (type === 'string') text += (await client.get(key)) ?? '';
    }
    expect(text).toContain('backend:d');
    expect(text).toContain('cooldownUntil');
    expect(text).toContain('isolated');
    const logs = [...a!.gw.rawLogs, ...b!.gw.rawLogs].join('\n');
    expect(logs).toContain('cluster: sharing state through Redis');
    for (const secret of SECRETS) {
      expect(text).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});
