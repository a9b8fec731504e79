import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin.js';
import { backendsFor, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * A reload applies every routing setting to the requests admitted after it (forwarded headers,
 * retry budget, waiting for recovery, transport), and a request admitted before it finishes on
 * what it was admitted with; the retired transport's pools close once nothing uses them.
 */
describe('config reload: one generation per request', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function upstreams(...names: string[]): Promise<MockUpstream[]> {
    const started = await Promise.all(names.map((name) => startMockUpstream(undefined, name)));
    cleanups.push(...started.map((u) => () => u.close()));
    return started;
  }

  /** A gateway whose reload reads `config.next` (the server section is added here). */
  async function reloadable(first: Omit<ConfigInput, 'server'>): Promise<{ gw: TestGateway; config: { next: Omit<ConfigInput, 'server'> } }> {
    const config = { next: first };
    const gw = await startTestGateway(
      { ...first, server: { adminToken: ADMIN_TOKEN } },
      { loadConfig: () => parseConfig({ ...config.next, server: { port: 0, adminToken: ADMIN_TOKEN } }) },
    );
    cleanups.push(() => gw.close());
    return { gw, config };
  }

  async function reload(gw: TestGateway): Promise<void> {
    const reloaded = await admin(gw.url, '/admin/reload', { method: 'POST' });
    expect(reloaded.json).toMatchObject({ ok: true, restartRequired: [] });
  }

  const ask = (gw: TestGateway, headers: Record<string, string> = {}) =>
    new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0, defaultHeaders: headers }).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });

  it('forwards a header that a reload added to forwardHeaders', async () => {
    const [a] = await upstreams('alpha');
    const { gw, config } = await reloadable({ backends: backendsFor({ id: 'alpha', baseUrls: [a!.baseUrl] }) });
    await ask(gw, { 'x-trace': 'trace-1' });
    expect(a!.requests[0]!.headers['x-trace']).toBeUndefined();

    config.next = { backends: backendsFor({ id: 'alpha', baseUrls: [a!.baseUrl] }).map((b) => ({ ...b, forwardHeaders: ['x-trace'] })) };
    await reload(gw);
    await ask(gw, { 'x-trace': 'trace-2' });
    expect(a!.requests[1]!.headers['x-trace']).toBe('trace-2');
  });

  it('applies a retry budget changed by a reload', async () => {
    const [bad, good] = await upstreams('bad', 'good');
    bad!.script = () => ({ kind: 'status', status: 503 });
    const backends = [
      { id: 'bad', baseUrls: [bad!.baseUrl], credentials: [{ apiKey: 'sk-bad-secret' }], breaker: { failureThreshold: 100 } },
      { id: 'good', priority: 1, baseUrls: [good!.baseUrl], credentials: [{ apiKey: 'sk-good-secret' }] },
    ];
    const { gw, config } = await reloadable({ backends });
    expect((await ask(gw)).choices[0]?.message.content).toBe('hello from good');

    config.next = { backends, routing: { retryBudget: { share: 0, minPerSecond: 0 } } };
    await reload(gw);
    await expect(ask(gw)).rejects.toMatchObject({ status: 502 });
    expect(good!.requests).toHaveLength(1);
    expect(gw.logs.filter((l) => l.msg === 'request').at(-1)).toMatchObject({ retryBudgetExhausted: true });
  });

  it('applies waitForRecoveryMs changed by a reload', async () => {
    const [a] = await upstreams('alpha');
    const backends = backendsFor({ id: 'alpha', baseUrls: [a!.baseUrl] });
    // The first two asks upstream are rate limited for a moment; then it answers.
    a!.script = (_req, i) => (i < 2 ? { kind: 'status', status: 429, headers: { 'retry-after-ms': '50' } } : { kind: 'ok' });
    const { gw, config } = await reloadable({ backends });
    await expect(ask(gw)).rejects.toMatchObject({ status: 429 });

    config.next = { backends, routing: { waitForRecoveryMs: 5000 } };
    await reload(gw);
    expect((await ask(gw)).choices[0]?.message.content).toBe('hello from alpha');
    const line = gw.logs.filter((l) => l.msg === 'request').at(-1) as { waitedMs?: number; status: number };
    expect(line.status).toBe(200);
    expect(line.waitedMs).toBeGreaterThan(0);
  });

  it('applies server.maxResponseBytes changed by a reload', async () => {
    const [a] = await upstreams('alpha');
    const backends = backendsFor({ id: 'alpha', baseUrls: [a!.baseUrl] });
    const config = { maxResponseBytes: 64 * 1024 };
    const gw = await startTestGateway(
      { backends, server: { adminToken: ADMIN_TOKEN } },
      { loadConfig: () => parseConfig({ backends, server: { port: 0, adminToken: ADMIN_TOKEN, maxResponseBytes: config.maxResponseBytes } }) },
    );
    cleanups.push(() => gw.close());
    expect((await ask(gw)).choices[0]?.message.content).toBe('hello from alpha');
    config.maxResponseBytes = 50;
    await reload(gw);
    await expect(ask(gw)).rejects.toMatchObject({ status: 502 });
  });

  it('finishes a request in flight on the old transport, then closes the old pools', async () => {
    const upstream = await heldUpstream();
    cleanups.push(() => upstream.close());
    const backends = backendsFor({ id: 'alpha', baseUrls: [upstream.baseUrl] });
    const { gw, config } = await reloadable({ backends });
    const inFlight = ask(gw);
    await vi.waitFor(() => expect(upstream.held).toHaveLength(1));
    expect(upstream.sockets).toHaveLength(1);

    config.next = { backends: backends.map((b) => ({ ...b, timeouts: { connectMs: 4000 } })) };
    await reload(gw);
    upstream.holding = false;
    // A request after the reload goes through the new transport: a connection of its own.
    expect((await ask(gw)).choices[0]?.message.content).toBe('hello 2');
    expect(upstream.sockets).toHaveLength(2);
    expect(upstream.sockets[0]!.closed).toBe(false);

    upstream.release();
    expect((await inFlight).choices[0]?.message.content).toBe('hello 1');
    // The old transport's last request has ended: its pool closes its connection; the new one stays.
    await vi.waitFor(() => expect(upstream.sockets[0]!.closed).toBe(true));
    expect(upstream.sockets[1]!.closed).toBe(false);
  });

  it('fails over, within the generation a request was admitted with, only to backends the reload kept', async () => {
    const alpha = await heldUpstream();
    cleanups.push(() => alpha.close());
    const [beta, gamma] = await upstreams('beta', 'gamma');
    const both = backendsFor({ id: 'alpha', baseUrls: [alpha.baseUrl] }, { id: 'beta', baseUrls: [beta!.baseUrl], priority: 1 });
    const { gw, config } = await reloadable({ backends: both });
    alpha.status = 503;
    const inFlight = ask(gw);
    await vi.waitFor(() => expect(alpha.held).toHaveLength(1));

    // alpha is removed, gamma added: the request in flight may go on to beta, never to gamma.
    config.next = { backends: backendsFor({ id: 'beta', baseUrls: [beta!.baseUrl], priority: 1 }, { id: 'gamma', baseUrls: [gamma!.baseUrl] }) };
    await reload(gw);
    alpha.release();
    expect((await inFlight).choices[0]?.message.content).toBe('hello from beta');
    expect(gamma!.requests).toHaveLength(0);
    expect(gw.logs.some((l) => l.msg === 'request failed unexpectedly')).toBe(false);
    expect((await ask(gw)).choices[0]?.message.content).toBe('hello from gamma');
  });
});

/** An OpenAI-like upstream that holds answers while `holding`, and records its connections. */
async function heldUpstream() {
  const sockets: Socket[] = [];
  const held: (() => void)[] = [];
  let count = 0;
  const state = { holding: true, status: 200 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count += 1;
      const body = JSON.stringify({
        id: `c${count}`,
        object: 'chat.completion',
        created: 0,
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: `hello ${count}` }, finish_reason: 'stop' }],
      });
      const status = state.status;
      const answer = () =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? body : '{"error":{"message":"scripted"}}');
      if (state.holding) held.push(answer);
      else answer();
    });
  });
  server.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    sockets,
    held,
    get holding() {
      return state.holding;
    },
    set holding(value: boolean) {
      state.holding = value;
    },
    /** The status of the answers to come (200: a chat completion). */
    set status(value: number) {
      state.status = value;
    },
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
