import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { ask, clusterConnected, startCluster, type Member } from '../helpers/cluster.js';
import { redisMissing, REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startMockUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

if (redisMissing) console.warn(REDIS_SKIP_REASON);

/** Redis dies under load: every request is still answered; what changed meanwhile reaches everyone once it returns. */
describe.skipIf(redisMissing)('cluster: Redis faults', () => {
  const cleanups = cleanupAfterEach();
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const healthz = async (member: Member) =>
    (await fetch(member.gw.url.replace(/\/v1$/, '/healthz'))).json() as Promise<{ cluster: { connected: boolean } }>;
  const metric = async (member: Member) => {
    const text = await (await fetch(member.gw.url.replace(/\/v1$/, '/metrics'))).text();
    return /^fusebox_cluster_connected (\d)$/m.exec(text)?.[1];
  };

  it('answers every request while Redis is down, says so once, and converges when it returns', async () => {
    let dead = false;
    const flaky = await startMockUpstream(() => (dead ? { kind: 'status', status: 503 } : { kind: 'ok' }), 'flaky');
    const spare = await startMockUpstream(undefined, 'spare');
    cleanups.push(
      () => flaky.close(),
      () => spare.close(),
    );
    const [a, b] = await startCluster(
      2,
      redis,
      {
        backends: [
          {
            id: 'f',
            baseUrls: [flaky.baseUrl],
            credentials: [{ id: 'f-k', apiKey: 'sk-f-secret' }],
            breaker: { failureThreshold: 2, recoveryMs: 600_000 },
          },
          { id: 's', priority: 1, baseUrls: [spare.baseUrl], credentials: [{ id: 's-k', apiKey: 'sk-s-secret' }] },
        ],
      },
      cleanups,
    );
    await until(() => clusterConnected(a!) && clusterConnected(b!), 'both instances to reach Redis');
    expect(await metric(a!)).toBe('1');

    const errors: unknown[] = [];
    let answered = 0;
    let loading = true;
    const load = async (member: Member) => {
      while (loading) {
        await ask(member.client).then(
          () => answered++,
          (error: unknown) => errors.push(error),
        );
      }
    };
    const loops = [load(a!), load(b!), load(a!), load(b!)];
    await until(() => answered >= 20, 'load before the kill');
    await redis.kill();
    const before = answered;
    await until(() => answered >= before + 40, 'load while Redis is down');
    loading = false;
    await Promise.all(loops);
    expect(errors).toEqual([]);
    expect((await healthz(a!)).cluster.connected).toBe(false);
    expect(await metric(a!)).toBe('0');

    // While Redis is away, only a learns that f died.
    dead = true;
    for (let i = 0; i < 2; i++) expect((await ask(a!.client)).choices[0]?.message.content).toBe('hello from spare');
    expect(a!.gw.gateway.actors.view('backend:f').state).toBe('open');
    expect(b!.gw.gateway.actors.view('backend:f').state).toBe('closed');
    expect(a!.gw.gateway.cluster!.unpublished()).toBeGreaterThan(0);

    await redis.start();
    await until(() => b!.gw.gateway.actors.view('backend:f').state === 'open', 'b to learn of f once Redis is back', 10_000);
    expect((await healthz(b!)).cluster.connected).toBe(true);
    expect(a!.gw.gateway.cluster!.unpublished()).toBe(0);
    const calls = flaky.requests.length;
    expect((await ask(b!.client)).choices[0]?.message.content).toBe('hello from spare');
    expect(flaky.requests).toHaveLength(calls);
    const lost = a!.gw.logs.filter((line) => String(line.msg).includes('Redis is unreachable'));
    expect(lost).toHaveLength(1);
  });

  it('counts a Redis that hangs as unreachable, and catches up when it answers again', async () => {
    const up = await startMockUpstream(undefined, 'up');
    cleanups.push(() => up.close());
    const [a, b] = await startCluster(
      2,
      redis,
      { backends: [{ id: 'u', baseUrls: [up.baseUrl], credentials: [{ id: 'u-k', apiKey: 'sk-u-secret' }] }] },
      cleanups,
    );
    await until(() => clusterConnected(a!) && clusterConnected(b!), 'both instances to reach Redis');
    redis.pause();
    try {
      await until(() => !clusterConnected(a!), 'a to give up on the hung Redis', 10_000);
      expect((await ask(a!.client)).choices[0]?.message.content).toBe('hello from up');
      a!.gw.gateway.actors.send('backend:u', { type: 'operator.isolate', at: Date.now() });
    } finally {
      redis.resume();
    }
    await until(() => b!.gw.gateway.actors.view('backend:u').context.isolated, 'b to learn of the isolation once Redis answers', 10_000);
    expect(a!.gw.logs.filter((line) => String(line.msg).includes('Redis is unreachable'))).toHaveLength(1);
  });
});
