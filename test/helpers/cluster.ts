import OpenAI from 'openai';
import type { ConfigInput } from '../../src/config/schema.js';
import type { GatewayDeps } from '../../src/app/gateway.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import type { TestRedis } from './redis-server.js';

/** One instance of a test cluster: its gateway and an openai client that never retries on its own. */
export interface Member {
  readonly gw: TestGateway;
  readonly client: OpenAI;
}

let clusters = 0;

/**
 * `count` gateways with the same config, sharing state through `redis` under a key prefix of
 * their own (so the tests of one file never see each other's keys). Each is closed by `cleanups`.
 */
export async function startCluster(
  count: number,
  redis: TestRedis,
  input: Omit<ConfigInput, 'server' | 'cluster'> & { server?: ConfigInput['server']; cluster?: Partial<NonNullable<ConfigInput['cluster']>> },
  cleanups: (() => unknown)[],
  deps: GatewayDeps = {},
): Promise<Member[]> {
  const keyPrefix = `test${++clusters}-${process.pid}`;
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const gw = await startTestGateway({ ...input, cluster: { redisUrl: redis.url, keyPrefix, ...input.cluster } }, deps);
    cleanups.push(() => gw.close());
    members.push({ gw, client: new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }) });
  }
  return members;
}

export const ask = (client: OpenAI) => client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });

/** True while this member reaches Redis. */
export const clusterConnected = (member: Member): boolean => member.gw.gateway.cluster?.connected() ?? false;
