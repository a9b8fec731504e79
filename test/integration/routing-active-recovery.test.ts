import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../../src/demo/mock-upstream.js';
import { parseConfig } from '../../src/config/load.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { manualClock, type ManualClock } from './manual-clock.js';

/**
 * Active recovery (issue 13 item 4): while a primary's breaker is open, fusebox probes it on a
 * schedule; user requests go elsewhere and never probe it; a probe success closes the breaker.
 */
describe('active recovery of an open primary', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const isProbe = (r: RecordedRequest) => r.headers['user-agent'] === 'fusebox-recovery-probe';

  async function upstream(name: string, state: { healed: boolean }): Promise<MockUpstream> {
    const up = await startMockUpstream(() => (state.healed ? { kind: 'ok' } : { kind: 'status', status: 503 }), name);
    cleanups.push(() => up.close());
    return up;
  }

  async function setup(
    recovery: object,
  ): Promise<{ gw: TestGateway; time: ManualClock; primary: MockUpstream; state: { healed: boolean }; client: OpenAI }> {
    const state = { healed: false };
    const primary = await upstream('primary', state);
    const secondary = await upstream('secondary', { healed: true });
    const time = manualClock();
    const gw = await startTestGateway(
      {
        backends: [
          {
            id: 'primary',
            priority: 0,
            baseUrls: [primary.baseUrl],
            credentials: [{ id: 'p-key', apiKey: 'sk-primary-secret' }],
            // A passive deadline that passes during the test: it must not let a user request probe.
            breaker: { failureThreshold: 2, recoveryMs: 15_000 },
            recovery,
          },
          { id: 'secondary', priority: 1, baseUrls: [secondary.baseUrl], credentials: [{ id: 's-key', apiKey: 'sk-secondary-secret' }] },
        ],
      },
      { clock: time.clock },
    );
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    return { gw, time, primary, state, client };
  }

  const ask = async (client: OpenAI, text: string) =>
    (await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: text }] })).choices[0]?.message.content;

  it('probes the open primary on schedule, keeps users off it, and closes it within one interval of healing', async () => {
    const { gw, time, primary, state, client } = await setup({
      intervalMs: 10_000,
      maxIntervalMs: 40_000,
      probe: { model: 'probe-model', maxTokens: 32 },
    });
    const view = (id: string) => gw.gateway.actors.view(id);

    expect(await ask(client, 'one')).toBe('hello from secondary');
    expect(await ask(client, 'two')).toBe('hello from secondary');
    expect(view('backend:primary').state).toBe('open');
    const userCalls = primary.requests.length;
    expect(primary.requests.every((r) => !isProbe(r))).toBe(true);

    // Open: users go to the secondary, never to the primary (not even once its deadline would pass).
    for (let i = 0; i < 3; i++) expect(await ask(client, `while open ${i}`)).toBe('hello from secondary');
    expect(primary.requests).toHaveLength(userCalls);

    // First probe one interval after opening: a tiny real completion, with a real credential.
    time.advance(9_999);
    expect(await ask(client, 'before the first probe')).toBe('hello from secondary');
    expect(primary.requests).toHaveLength(userCalls);
    time.advance(1);
    await vi.waitFor(() => expect(primary.requests).toHaveLength(userCalls + 1));
    const probe = primary.requests.at(-1)!;
    expect(isProbe(probe)).toBe(true);
    expect(probe.method).toBe('POST');
    expect(probe.path).toBe('/v1/chat/completions');
    expect(JSON.parse(probe.body)).toEqual({ model: 'probe-model', messages: [{ role: 'user', content: 'ping' }], max_tokens: 32 });
    expect(probe.headers.authorization).toBe('Bearer sk-primary-secret');

    // A failed probe keeps it open; the next comes on schedule (the interval doubled: 20 s).
    await vi.waitFor(() => expect(view('backend:primary').context.health.lastErrors.length).toBeGreaterThan(2));
    expect(view('backend:primary').state).toBe('open');
    time.advance(19_999);
    expect(await ask(client, 'between probes')).toBe('hello from secondary');
    expect(primary.requests).toHaveLength(userCalls + 1);
    time.advance(1);
    await vi.waitFor(() => expect(primary.requests).toHaveLength(userCalls + 2));
    expect(primary.requests.slice(userCalls).every(isProbe)).toBe(true);
    await vi.waitFor(() => expect(view('backend:primary').context.health.lastErrors.length).toBeGreaterThan(3));
    expect(view('backend:primary').state).toBe('open');

    // Healed: the next probe (40 s, the cap) closes the breakers; the next user request goes to the primary.
    state.healed = true;
    time.advance(39_999);
    expect(view('backend:primary').state).toBe('open');
    time.advance(1);
    await vi.waitFor(() => expect(view('backend:primary').state).toBe('closed'));
    expect(view('baseurl:primary:0').state).toBe('closed');
    expect(view('backend:primary').context.lastTransition?.reason).toBe('recovery probe succeeded');
    expect(primary.requests).toHaveLength(userCalls + 3);
    expect(await ask(client, 'after healing')).toBe('hello from primary');

    // No probe once closed, and a clean close leaves no timer behind.
    time.advance(120_000);
    expect(await ask(client, 'later')).toBe('hello from primary');
    expect(primary.requests.filter(isProbe)).toHaveLength(3);
    await gw.close();
    expect(time.pending()).toBe(0);
  });

  it('probes the models endpoint by default', async () => {
    const { gw, time, primary, state, client } = await setup({ intervalMs: 5_000 });
    await ask(client, 'one');
    await ask(client, 'two');
    expect(gw.gateway.actors.view('backend:primary').state).toBe('open');
    state.healed = true;
    time.advance(5_000);
    await vi.waitFor(() => expect(gw.gateway.actors.view('backend:primary').state).toBe('closed'));
    const probe = primary.requests.find(isProbe)!;
    expect(probe.method).toBe('GET');
    expect(probe.path).toBe('/v1/models');
    expect(probe.headers.authorization).toBe('Bearer sk-primary-secret');
    expect(await ask(client, 'after')).toBe('hello from primary');
  });

  it('stops probing when the gateway closes while a breaker is open', async () => {
    const { gw, time, primary, client } = await setup({ intervalMs: 5_000 });
    await ask(client, 'one');
    await ask(client, 'two');
    expect(gw.gateway.actors.view('backend:primary').state).toBe('open');
    const before = primary.requests.length;
    await gw.close();
    expect(time.pending()).toBe(0);
    time.advance(60_000);
    expect(primary.requests).toHaveLength(before);
  });

  it('recovers an open mirror by probes alone, and its health check leaves it open meanwhile', async () => {
    const zero = { healed: false };
    const m0 = await upstream('m0', zero);
    const m1 = await upstream('m1', { healed: true });
    const time = manualClock();
    const gw = await startTestGateway(
      {
        backends: [
          {
            id: 'mirrors',
            baseUrls: [m0.baseUrl, m1.baseUrl],
            credentials: [{ id: 'k', apiKey: 'sk-mirror-secret' }],
            breaker: { failureThreshold: 2 },
            healthCheck: { path: '/health', intervalMs: 1_000 },
            recovery: { intervalMs: 5_000 },
          },
        ],
      },
      { clock: time.clock },
    );
    cleanups.push(() => gw.close());
    const view = (id: string) => gw.gateway.actors.view(id);
    const healthChecks = (up: MockUpstream) => up.requests.filter((r) => r.path === '/v1/health').length;
    /** One health-check interval: both mirrors' rounds have run (m1's probe has arrived). */
    const step = async () => {
      const seen = healthChecks(m1);
      time.advance(1_000);
      await vi.waitFor(() => expect(healthChecks(m1)).toBe(seen + 1));
    };

    await vi.waitFor(() => expect(healthChecks(m1)).toBe(1));
    await step();
    await vi.waitFor(() => expect(view('baseurl:mirrors:0').state).toBe('open'));
    const openedWith = m0.requests.length;
    expect(view('backend:mirrors').state).toBe('closed');

    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    zero.healed = true;
    for (let i = 0; i < 3; i++) {
      await step();
      expect(await ask(client, `q${i}`)).toBe('hello from m1');
      expect(view('baseurl:mirrors:0').state).toBe('open');
    }
    expect(m0.requests).toHaveLength(openedWith);

    await step();
    await step();
    await vi.waitFor(() => expect(view('baseurl:mirrors:0').state).toBe('closed'));
    expect(view('baseurl:mirrors:0').context.lastTransition?.reason).toBe('recovery probe succeeded');
    const since = m0.requests.slice(openedWith);
    expect(since.filter(isProbe).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
    expect(since.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('starts probing a breaker that is already open when a reload turns recovery on', async () => {
    const state = { healed: false };
    const primary = await upstream('primary', state);
    const secondary = await upstream('secondary', { healed: true });
    const time = manualClock();
    const config = (recovery?: object) => ({
      backends: [
        {
          id: 'primary',
          baseUrls: [primary.baseUrl],
          credentials: [{ id: 'p-key', apiKey: 'sk-primary-secret' }],
          breaker: { failureThreshold: 2 },
          ...(recovery ? { recovery } : {}),
        },
        { id: 'secondary', priority: 1, baseUrls: [secondary.baseUrl], credentials: [{ id: 's-key', apiKey: 'sk-secondary-secret' }] },
      ],
    });
    let next = config();
    const gw = await startTestGateway(next, { clock: time.clock, loadConfig: () => parseConfig({ ...next, server: { port: 0 } }) });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    await ask(client, 'one');
    await ask(client, 'two');
    expect(gw.gateway.actors.view('backend:primary').state).toBe('open');

    time.advance(2_000);
    next = config({ intervalMs: 5_000 });
    await gw.gateway.reload();
    state.healed = true;
    time.advance(2_999);
    expect(await ask(client, 'not yet')).toBe('hello from secondary');
    expect(primary.requests.filter(isProbe)).toHaveLength(0);
    time.advance(1);
    await vi.waitFor(() => expect(gw.gateway.actors.view('backend:primary').state).toBe('closed'));
    expect(primary.requests.filter(isProbe)).toHaveLength(1);
    expect(await ask(client, 'back')).toBe('hello from primary');
  });

  it('keeps probing a breaker that was open when fusebox stopped, on the same schedule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-recovery-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
    const state = { healed: false };
    const primary = await upstream('primary', state);
    const secondary = await upstream('secondary', { healed: true });
    const time = manualClock();
    const config = {
      dataDir: join(dir, 'data'),
      backends: [
        {
          id: 'primary',
          baseUrls: [primary.baseUrl],
          credentials: [{ id: 'p-key', apiKey: 'sk-primary-secret' }],
          breaker: { failureThreshold: 2 },
          recovery: { intervalMs: 10_000 },
        },
        { id: 'secondary', priority: 1, baseUrls: [secondary.baseUrl], credentials: [{ id: 's-key', apiKey: 'sk-secondary-secret' }] },
      ],
    };
    const first = await startTestGateway(config, { clock: time.clock, persist: true });
    const client = new OpenAI({ baseURL: first.url, apiKey: 'x', maxRetries: 0 });
    await ask(client, 'one');
    await ask(client, 'two');
    expect(first.gateway.actors.view('backend:primary').state).toBe('open');
    await first.close();
    expect(time.pending()).toBe(0);

    time.advance(4_000);
    const second = await startTestGateway(config, { clock: time.clock, persist: true });
    cleanups.push(() => second.close());
    expect(second.gateway.actors.view('backend:primary').state).toBe('open');
    state.healed = true;
    time.advance(5_999);
    const again = new OpenAI({ baseURL: second.url, apiKey: 'x', maxRetries: 0 });
    expect(await ask(again, 'not yet')).toBe('hello from secondary');
    expect(primary.requests.filter(isProbe)).toHaveLength(0);
    time.advance(1);
    await vi.waitFor(() => expect(second.gateway.actors.view('backend:primary').state).toBe('closed'));
    expect(primary.requests.filter(isProbe)).toHaveLength(1);
  });
});
