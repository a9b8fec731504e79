import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { parseConfig } from '../../src/config/load.js';
import { startTestGateway } from '../helpers/gateway.js';
import { until } from '../helpers/wait.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

/** Active health checks: a dead mirror is skipped before a user request meets it; a recovered one comes back. */
describe('active health checks', () => {
  const cleanups = cleanupAfterEach();

  /** A mirror whose health path (GET) answers per `alive`, and whose chat answers per `chatOk`. */
  async function mirror(name: string, state: { alive: boolean; chatOk: boolean }): Promise<MockUpstream> {
    const up = await startMockUpstream((req) => {
      if (req.method === 'GET') return state.alive ? { kind: 'ok' } : { kind: 'status', status: 503 };
      return state.chatOk ? { kind: 'ok' } : { kind: 'status', status: 503 };
    }, name);
    cleanups.push(() => up.close());
    return up;
  }

  it('opens a dead mirror from probes alone, then brings it back half-open when it answers again', async () => {
    const zero = { alive: false, chatOk: true };
    const one = { alive: true, chatOk: true };
    const m0 = await mirror('m0', zero);
    const m1 = await mirror('m1', one);
    const gw = await startTestGateway({
      backends: [
        {
          id: 'mirrors',
          baseUrls: [m0.baseUrl, m1.baseUrl],
          credentials: [{ id: 'k', apiKey: 'sk-mirror-secret' }],
          breaker: { failureThreshold: 2 },
          healthCheck: { path: '/models', intervalMs: 20 },
        },
      ],
    });
    cleanups.push(() => gw.close());
    const view = (i: number) => gw.gateway.actors.view(`baseurl:mirrors:${i}`);

    await until(() => view(0).state === 'open', 'mirror 0 to open');
    expect(view(0).context.health.lastErrors).toContain('http_503');
    expect(view(1).state).toBe('closed');
    const probe = m0.requests.find((r) => r.method === 'GET')!;
    expect(probe.path).toBe('/v1/models');
    expect(probe.headers.authorization).toBe('Bearer sk-mirror-secret');

    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      const reply = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `q${i}` }] });
      expect(reply.choices[0]?.message.content).toBe('hello from m1');
    }
    expect(m0.requests.filter((r) => r.method === 'POST')).toHaveLength(0);

    zero.alive = true;
    await until(() => view(0).state === 'half_open', 'mirror 0 to go half-open');
    expect(view(0).context.lastTransition?.reason).toBe('health check succeeded');
    one.chatOk = false;
    const reply = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'again' }] });
    expect(reply.choices[0]?.message.content).toBe('hello from m0');
    expect(view(0).state).toBe('closed');
  });

  it('sends no probes for backends without healthCheck', async () => {
    const m0 = await mirror('m0', { alive: true, chatOk: true });
    const gw = await startTestGateway({ backends: [{ id: 'plain', baseUrls: [m0.baseUrl], credentials: [{ apiKey: 'sk' }] }] });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    await client.chat.completions.create({ model: 'm', messages: [] });
    expect(m0.requests.map((r) => r.method)).toEqual(['POST']);
  });

  it('starts probing a backend that a config reload added', async () => {
    const dead = await mirror('late', { alive: false, chatOk: true });
    const live = await mirror('first', { alive: true, chatOk: true });
    const first = { backends: [{ id: 'first', baseUrls: [live.baseUrl], credentials: [{ id: 'k', apiKey: 'sk-first-secret' }] }] };
    let next: typeof first & { backends: object[] } = first;
    const gw = await startTestGateway(first, { loadConfig: () => parseConfig({ ...next, server: { port: 0 } }) });
    cleanups.push(() => gw.close());
    next = {
      backends: [
        ...first.backends,
        {
          id: 'late',
          priority: 1,
          baseUrls: [dead.baseUrl],
          credentials: [{ id: 'k', apiKey: 'sk-late-secret' }],
          breaker: { failureThreshold: 2 },
          healthCheck: { path: '/models', intervalMs: 20 },
        },
      ],
    };
    await gw.gateway.reload();
    await until(() => gw.gateway.actors.view('baseurl:late:0').state === 'open', 'the added mirror to open from probes');
    expect(dead.requests.every((r) => r.method === 'GET')).toBe(true);
  });
});
