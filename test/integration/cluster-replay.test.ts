import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { cliSession } from '../helpers/cli.js';
import { ask, startCluster } from '../helpers/cluster.js';
import { redisMissing, REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startMockUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

if (redisMissing) console.warn(REDIS_SKIP_REASON);

/** `fusebox replay --redis`: the cluster's stream is its event log. */
describe.skipIf(redisMissing)('cluster: the cluster-wide event log', () => {
  const cleanups = cleanupAfterEach();
  const session = cliSession('fusebox-cluster-replay-');
  afterEach(() => session.cleanup());
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('replays the shared changes of every instance, and exports them as a log replay reads', async () => {
    const dead = await startMockUpstream(() => ({ kind: 'status', status: 503 }), 'dead');
    const spare = await startMockUpstream(undefined, 'spare');
    cleanups.push(
      () => dead.close(),
      () => spare.close(),
    );
    const [a, b] = await startCluster(
      2,
      redis,
      {
        backends: [
          { id: 'd', baseUrls: [dead.baseUrl], credentials: [{ id: 'd-k', apiKey: 'sk-d-secret' }], breaker: { failureThreshold: 1 } },
          { id: 's', priority: 1, baseUrls: [spare.baseUrl], credentials: [{ id: 's-k', apiKey: 'sk-s-secret' }] },
        ],
      },
      cleanups,
    );
    await ask(a!.client);
    await until(() => b!.gw.gateway.actors.view('backend:d').state === 'open', 'b to see d open');
    const prefix = a!.gw.gateway.config.cluster!.keyPrefix;

    const run = session.cli(['replay', '--redis', redis.url, '--prefix', prefix, '--json']);
    expect(await run.exited).toBe(0);
    const result = JSON.parse(run.stdout()) as {
      final: Record<string, { state: string; context: { openUntil: number } }>;
      timeline: { actor: string; to: string }[];
    };
    expect(result.final['backend:d']?.state).toBe('open');
    expect(result.final['backend:d']?.context.openUntil).toBe(a!.gw.gateway.actors.view('backend:d').context.openUntil);
    expect(result.final['backend:s']?.state).toBe('closed');
    expect(result.timeline.some((entry) => entry.actor === 'backend:d' && entry.to === 'open')).toBe(true);

    const exported = session.cli(['replay', '--redis', redis.url, '--prefix', prefix, '--export']);
    expect(await exported.exited).toBe(0);
    const file = session.configFile('');
    writeFileSync(file, exported.stdout());
    const replayed = session.cli(['replay', file, '--json']);
    expect(await replayed.exited).toBe(0);
    expect((JSON.parse(replayed.stdout()) as typeof result).final['backend:d']?.state).toBe('open');

    const missing = session.cli(['replay', '--redis', redis.url, '--prefix', 'nobody-here']);
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toContain('no fusebox cluster under the key prefix "nobody-here"');
  });
});
