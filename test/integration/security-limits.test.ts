import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { backendsFor, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { call, chat } from '../helpers/raw-http.js';
import type { ErrorJson } from '../helpers/admin.js';

/** Caps that keep one client (or one slow upstream) from exhausting fusebox: 503 + Retry-After. */
describe('security: limits', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const holds: AbortController[] = [];
  afterEach(async () => {
    for (const hold of holds.splice(0)) hold.abort();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function upstream(name: string): Promise<MockUpstream> {
    const up = await startMockUpstream(undefined, name);
    cleanups.push(() => up.close());
    return up;
  }

  async function gateway(input: Parameters<typeof startTestGateway>[0]): Promise<{ gw: TestGateway; port: number }> {
    const gw = await startTestGateway(input);
    cleanups.push(() => gw.close());
    return { gw, port: Number(new URL(gw.url).port) };
  }

  /** Starts a request that the upstream holds open; resolves once the upstream has it. */
  async function holdOne(gw: TestGateway, up: MockUpstream): Promise<void> {
    const before = up.requests.length;
    const hold = new AbortController();
    holds.push(hold);
    void fetch(`${gw.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat('hold')),
      signal: hold.signal,
    }).catch(() => undefined);
    await vi.waitFor(() => expect(up.requests.length).toBe(before + 1), { timeout: 5000, interval: 10 });
  }

  it('answers 503 with Retry-After when the overall cap and queue are full', async () => {
    const up = await upstream('alpha');
    up.script = () => ({ kind: 'hang' });
    const { gw, port } = await gateway({
      server: { maxConcurrent: 1, maxQueued: 0 },
      backends: backendsFor({ id: 'alpha', baseUrls: [up.baseUrl] }),
    });
    await holdOne(gw, up);
    const refused = await call(port, { path: '/v1/chat/completions', body: chat() });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ error: { code: 'overloaded' } });
    expect(up.requests).toHaveLength(1);
  });

  it('caps requests per backend: a full backend is skipped for another, then 503 with Retry-After', async () => {
    const slow = await upstream('slow');
    const spare = await upstream('spare');
    slow.script = () => ({ kind: 'hang' });
    spare.script = () => ({ kind: 'hang' });
    const backends = backendsFor({ id: 'slow', baseUrls: [slow.baseUrl] }, { id: 'spare', baseUrls: [spare.baseUrl], priority: 1 });
    const { gw, port } = await gateway({
      backends: backends.map((b) => ({ ...b, maxConcurrent: 1 })),
    });
    await holdOne(gw, slow);
    await holdOne(gw, spare);
    const refused = await call(port, { path: '/v1/chat/completions', body: chat() });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json()).toMatchObject({ error: { code: 'no_route_available' } });
    expect(slow.requests).toHaveLength(1);
    expect(spare.requests).toHaveLength(1);
    // A full backend is not a failing one: its breaker saw nothing.
    expect(gw.gateway.actors.view('backend:slow').state).toBe('closed');
  });

  it('frees a backend slot when its request ends', async () => {
    const up = await upstream('alpha');
    const { port } = await gateway({
      backends: backendsFor({ id: 'alpha', baseUrls: [up.baseUrl] }).map((b) => ({ ...b, maxConcurrent: 1 })),
    });
    for (let i = 0; i < 3; i++) expect((await call(port, { path: '/v1/chat/completions', body: chat(`q${i}`) })).status).toBe(200);
  });

  it('refuses a non-streamed upstream answer larger than server.maxResponseBytes', async () => {
    const up = await upstream('alpha');
    up.script = () => ({ kind: 'ok', text: 'x'.repeat(4096) });
    const { port } = await gateway({
      server: { maxResponseBytes: 1024 },
      backends: backendsFor({ id: 'alpha', baseUrls: [up.baseUrl] }),
    });
    const reply = await call(port, { path: '/v1/chat/completions', body: chat() });
    expect(reply.status).toBe(502);
    expect(reply.text).not.toContain('xxxx');
    expect(reply.json<ErrorJson>().error.message).toMatch(/response_too_large/);
  });
});
