import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { cliSession, waitFor } from '../helpers/cli.js';
import { ask, startCluster } from '../helpers/cluster.js';
import { redisMissing, REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startMockUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';
import { shiftedClock } from './routing-clock.js';

if (redisMissing) console.warn(REDIS_SKIP_REASON);

/** Half-open probe permits are global: exactly K probes across the cluster, and a dead holder's permit comes back with its lease. */
describe.skipIf(redisMissing)('cluster: shared probe permits', () => {
  const cleanups = cleanupAfterEach();
  const session = cliSession('fusebox-cluster-');
  afterEach(() => session.cleanup());
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('lets exactly K half-open probes reach the upstream across three instances under concurrent requests', async () => {
    const sick = await startMockUpstream(() => ({ kind: 'status', status: 503 }), 'sick');
    const spare = await startMockUpstream(undefined, 'spare');
    cleanups.push(
      () => sick.close(),
      () => spare.close(),
    );
    const time = shiftedClock();
    const members = await startCluster(
      3,
      redis,
      {
        backends: [
          {
            id: 'x',
            baseUrls: [sick.baseUrl],
            credentials: [{ id: 'x-k', apiKey: 'sk-x-secret' }],
            breaker: { failureThreshold: 1, recoveryMs: 5_000, halfOpenProbes: 2 },
          },
          { id: 'y', priority: 1, baseUrls: [spare.baseUrl], credentials: [{ id: 'y-k', apiKey: 'sk-y-secret' }] },
        ],
      },
      cleanups,
      { clock: time.clock },
    );
    expect((await ask(members[0]!.client)).choices[0]?.message.content).toBe('hello from spare');
    for (const member of members) await until(() => member.gw.gateway.actors.view('backend:x').state === 'open', 'every instance to see x open');
    // The probes answer slowly, so all the requests below are planned while the permits are out.
    sick.script = () => ({ kind: 'ok', delayMs: 1_500 });
    time.advance(5_000);
    const answers = await Promise.all(Array.from({ length: 12 }, (_unused, i) => ask(members[i % 3]!.client)));
    expect(answers.every((answer) => answer.choices[0]?.message.content?.startsWith('hello from'))).toBe(true);
    expect(sick.requests).toHaveLength(1 + 2);
    expect(answers.filter((answer) => answer.choices[0]?.message.content === 'hello from sick')).toHaveLength(2);
  });

  it('gives back the permit of an instance killed while probing once its lease ends', async () => {
    const sick = await startMockUpstream((_request, index) => (index === 0 ? { kind: 'status', status: 503 } : { kind: 'hang' }), 'sick');
    const spare = await startMockUpstream(undefined, 'spare');
    cleanups.push(
      () => sick.close(),
      () => spare.close(),
    );
    const keyPrefix = `lease-${process.pid}`;
    const backends = [
      { id: 'x', baseUrls: [sick.baseUrl], credentials: [{ id: 'x-k', apiKey: 'sk-x-secret' }], breaker: { failureThreshold: 1, recoveryMs: 500 } },
      { id: 'y', priority: 1, baseUrls: [spare.baseUrl], credentials: [{ id: 'y-k', apiKey: 'sk-y-secret' }] },
    ];
    const cluster = { redisUrl: redis.url, keyPrefix, permitLeaseMs: 3_000 };
    const file = session.configFile(`server: { port: 0 }\ncluster: ${JSON.stringify(cluster)}\nbackends: ${JSON.stringify(backends)}\n`);
    const doomed = session.cli(['start', '--config', file, '--log-level', 'info']);
    const out = await waitFor(doomed.stdout, (text) => /listening on (http:\/\/\S+)/.test(text), doomed);
    const doomedUrl = /listening on (http:\/\/[^\s"]+)/.exec(out)![1]!;
    const [survivor] = await startCluster(1, redis, { backends, cluster: { keyPrefix, permitLeaseMs: 3_000 } }, cleanups);

    const askDoomed = () =>
      fetch(`${doomedUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }),
      }).catch(() => null);
    expect((await askDoomed())?.status).toBe(200);
    await until(() => survivor!.gw.gateway.actors.view('backend:x').state !== 'closed', 'the survivor to see x open');
    // Once x's deadline passes, one of these is the doomed instance's probe: it hangs on x.
    await until(
      () => {
        if (sick.requests.length < 2) void askDoomed();
        return sick.requests.length === 2;
      },
      'the doomed instance to probe x',
      5_000,
      100,
    );
    const redisClient = new Redis(redis.url, { protocol: 2 });
    cleanups.push(() => redisClient.quit());
    const permits = await redisClient.keys(`${keyPrefix}:permit:*`);
    expect(permits.length).toBeGreaterThan(0);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(await redisClient.pttl(permits[0]!)).toBeGreaterThan(0);

    // The dead instance's permit is still out: the survivor's half-open breaker sends elsewhere.
    sick.script = () => ({ kind: 'ok' });
    expect((await ask(survivor!.client)).choices[0]?.message.content).toBe('hello from spare');
    expect(sick.requests).toHaveLength(2);
    // After the lease the permit is free again, and the survivor's probe closes the breaker.
    await until(
      () => {
        void ask(survivor!.client).catch(() => null);
        return survivor!.gw.gateway.actors.view('backend:x').state === 'closed';
      },
      'the lease to end and the survivor to probe x',
      8_000,
      200,
    );
    expect(await redisClient.keys(`${keyPrefix}:permit:*`)).toEqual([]);
  });
});
