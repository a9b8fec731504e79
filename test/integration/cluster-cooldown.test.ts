import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialOf } from '../../src/machines/breaker.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { ask, startCluster } from '../helpers/cluster.js';
import { redisMissing, REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startMockUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

if (redisMissing) console.warn(REDIS_SKIP_REASON);

/** A credential's 429 cooldown, seen by one instance, is honoured by the others. */
describe.skipIf(redisMissing)('cluster: shared credential cooldowns', () => {
  const cleanups = cleanupAfterEach();
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('keeps the other instances off a rate-limited key until its cooldown ends', async () => {
    const limitedKey = 'sk-limited-secret-1';
    const upstream = await startMockUpstream(
      (request) =>
        request.headers.authorization === `Bearer ${limitedKey}`
          ? { kind: 'status', status: 429, headers: { 'retry-after': '600' }, body: { error: { message: 'slow down' } } }
          : { kind: 'ok' },
      'up',
    );
    cleanups.push(() => upstream.close());
    const [a, b, c] = await startCluster(
      3,
      redis,
      {
        backends: [
          {
            id: 'b',
            baseUrls: [upstream.baseUrl],
            credentials: [
              { id: 'limited', apiKey: limitedKey },
              { id: 'free', apiKey: 'sk-free-secret-2' },
            ],
          },
        ],
      },
      cleanups,
    );
    const limitedCalls = () => upstream.requests.filter((request) => request.headers.authorization === `Bearer ${limitedKey}`).length;
    const cooling = (member: typeof a) => credentialOf(member!.gw.gateway.actors.view('pool:b:default').context, 'limited')?.cooldownUntil ?? null;
    for (let i = 0; i < 20 && limitedCalls() === 0; i++) await ask(a!.client);
    expect(limitedCalls()).toBe(1);
    const until429 = cooling(a);
    expect(until429).not.toBeNull();

    for (const other of [b, c]) {
      await until(() => cooling(other) === until429, 'the cooldown to reach the other instances');
      for (let i = 0; i < 10; i++) expect((await ask(other!.client)).choices[0]?.message.content).toBe('hello from up');
    }
    expect(limitedCalls()).toBe(1);
  });
});
