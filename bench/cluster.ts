import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createGateway, type Gateway } from '../src/app/gateway.js';
import { parseConfig } from '../src/config/load.js';
import { redisMissing, startTestRedis } from '../test/helpers/redis-server.js';
import { median } from './lib/measure.js';

/**
 * How soon the other instances of a cluster respect a breaker that opened on one: three
 * gateways in this process (one clock), one real redis-server on loopback. Each round a
 * failure opens `backend:x` on the first instance; the time is taken until the last of the
 * other two has it open (from then its planner skips x), then an operator reset closes it
 * everywhere for the next round.
 */
export interface ClusterFigure {
  readonly rounds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const ROUNDS = 200;

export async function clusterSuite(quick: boolean): Promise<ClusterFigure> {
  if (redisMissing) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  const redis = await startTestRedis();
  const gateways: Gateway[] = [];
  try {
    const config = parseConfig({
      server: { port: 0 },
      cluster: { redisUrl: redis.url, keyPrefix: 'bench' },
      backends: [
        { id: 'x', baseUrls: ['http://127.0.0.1:9/v1'], credentials: [{ id: 'x-k', apiKey: 'sk-bench' }], breaker: { failureThreshold: 1 } },
      ],
    });
    for (let i = 0; i < 3; i++) gateways.push(createGateway(config, { logger: pino({ level: 'silent' }) }));
    await until(() => gateways.every((gateway) => gateway.cluster?.connected() === true));
    const [first, ...others] = gateways as [Gateway, ...Gateway[]];
    const times: number[] = [];
    const rounds = quick ? ROUNDS / 4 : ROUNDS;
    for (let round = 0; round <= rounds; round++) {
      const started = performance.now();
      const opened = Promise.all(others.map((other) => reaches(other, 'open')));
      first.actors.send('backend:x', { type: 'call.failed', at: Date.now(), probe: false, code: 'http_503' });
      await opened;
      if (round > 0) times.push(performance.now() - started); // round 0 warms up
      const closed = Promise.all(others.map((other) => reaches(other, 'closed')));
      first.actors.send('backend:x', { type: 'operator.reset', at: Date.now() });
      await closed;
    }
    const sorted = [...times].sort((a, b) => a - b);
    return { rounds: times.length, p50Ms: median(times), p99Ms: sorted[Math.floor(sorted.length * 0.99)]!, maxMs: sorted.at(-1)! };
  } finally {
    for (const gateway of gateways) await gateway.close();
    await redis.stop();
  }
}

function reaches(gateway: Gateway, state: 'open' | 'closed'): Promise<void> {
  return new Promise((resolve) => {
    if (gateway.actors.view('backend:x').state === state) {
      resolve();
      return;
    }
    const subscription = gateway.actors.changes$.subscribe((change) => {
      if (change.actorId !== 'backend:x' || change.to !== state) return;
      subscription.unsubscribe();
      resolve();
    });
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('the cluster did not connect to redis-server');
}
