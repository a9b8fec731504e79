import OpenAI from 'openai';
import type { ConfigInput } from '../../src/config/schema.js';
import { startMockUpstream, type MockUpstream } from './upstream.js';
import type { GatewayDeps } from '../../src/app/gateway.js';
import { startTestGateway, type TestGateway } from './gateway.js';

/**
 * Scripted upstreams and gateways for one test file, each closed by `cleanup` (for afterEach)
 * in reverse order. `gateway` also returns an openai client that never retries on its own.
 */
export interface Rig {
  readonly upstream: (name: string) => Promise<MockUpstream>;
  readonly gateway: (input: Omit<ConfigInput, 'server'>, deps?: GatewayDeps) => Promise<{ gw: TestGateway; client: OpenAI }>;
  readonly cleanup: () => Promise<void>;
}

export function testRig(): Rig {
  const cleanups: (() => Promise<void>)[] = [];
  return {
    async upstream(name) {
      const mock = await startMockUpstream(undefined, name);
      cleanups.push(() => mock.close());
      return mock;
    },
    async gateway(input, deps = {}) {
      const gw = await startTestGateway(input, deps);
      cleanups.push(() => gw.close());
      return { gw, client: new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }) };
    },
    async cleanup() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}
