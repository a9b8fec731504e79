import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMockUpstream } from '../helpers/upstream.js';
import { startTestGateway } from '../helpers/gateway.js';
import type { ErrorJson } from '../helpers/admin.js';
import { call, rawExchange } from '../helpers/raw-http.js';
import { testRig } from '../helpers/rig.js';

/** Issue 13, item 9: two Host headers, and requests that arrive during a graceful shutdown. */
describe('front door details', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const ask = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hi' }] };
  const portOf = (url: string) => Number(new URL(url).port);

  it('answers 400 to a request with two Host headers (RFC 9112 section 3.2)', async () => {
    const up = await upstream('up');
    const { gw } = await gateway({ backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: [{ apiKey: 'sk-a' }] }] });
    const port = portOf(gw.url);
    const body = JSON.stringify(ask);
    const request =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example:${port}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
    const answer = await rawExchange(port, request).closed;
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(up.requests).toHaveLength(0);
  });

  it('answers 503 shutting_down to new requests while in-flight ones finish', async () => {
    const up = await upstream('slow');
    up.script = (_req, index) => (index === 0 ? { kind: 'ok', delayMs: 400 } : { kind: 'ok' });
    const { gw } = await gateway({ backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: [{ apiKey: 'sk-a' }] }] });
    const port = portOf(gw.url);
    const inFlight = call(port, { path: '/v1/chat/completions', body: ask });
    await vi.waitFor(() => expect(up.requests).toHaveLength(1));
    const closing = gw.gateway.close();
    const late = await call(port, { path: '/v1/chat/completions', body: ask, headers: { connection: 'close' } });
    expect(late.status).toBe(503);
    expect(late.json<ErrorJson>().error.code).toBe('shutting_down');
    expect((await inFlight).status).toBe(200);
    await closing;
  });

  it('leaves to node what it refuses itself: no Host on HTTP/1.1, two Content-Lengths, Content-Length with chunked', async () => {
    const up = await upstream('up');
    const { gw } = await gateway({ backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: [{ apiKey: 'sk-a' }] }] });
    const port = portOf(gw.url);
    const body = JSON.stringify(ask);
    const head = `POST /v1/chat/completions HTTP/1.1\r\ncontent-type: application/json\r\nconnection: close\r\n`;
    const host = `Host: 127.0.0.1:${port}\r\n`;
    const length = `content-length: ${Buffer.byteLength(body)}\r\n`;
    const malformed = [
      `${head}${length}\r\n${body}`,
      `${head}${host}${length}content-length: ${Buffer.byteLength(body) + 1}\r\n\r\n${body}`,
      `${head}${host}${length}transfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
    ];
    for (const request of malformed) {
      expect(await rawExchange(port, request).closed).toMatch(/^HTTP\/1\.1 400 /);
    }
    expect(up.requests).toHaveLength(0);
  });

  it('answers 503 with connection: close on a kept-alive connection once the close began, in the path protocol format', async () => {
    const up = await upstream('slow');
    up.script = (_req, index) => (index === 1 ? { kind: 'ok', delayMs: 400 } : { kind: 'ok' });
    const { gw } = await gateway({ backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: [{ apiKey: 'sk-a' }] }] });
    const port = portOf(gw.url);
    const kept = keptAlive(port);
    const first = await kept.send(post(port, '/v1/chat/completions', ask));
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(first).not.toMatch(/^connection: close/im);
    const inFlight = rawExchange(port, post(port, '/v1/chat/completions', ask));
    await vi.waitFor(() => expect(up.requests).toHaveLength(2));
    const closing = gw.gateway.close();
    const late = await kept.send(post(port, '/v1/messages', { model: 'gpt-test', max_tokens: 5, messages: [] }));
    expect(late).toMatch(/^HTTP\/1\.1 503 /);
    expect(late).toMatch(/^connection: close\r$/im);
    expect(late).toMatch(/^retry-after: 1\r$/im);
    expect(JSON.parse(late.slice(late.indexOf('\r\n\r\n') + 4))).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: 'fusebox is shutting down' },
    });
    await kept.closed;
    const health = await call(port, { path: '/healthz' });
    expect(health.status).toBe(503);
    // The in-flight request finishes, and its (kept-alive) connection ends after it.
    const answer = await inFlight.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/^connection: close\r$/im);
    await closing;
    await expect(call(port, { path: '/healthz' })).rejects.toThrow(/ECONNREFUSED/);
    expect(up.requests).toHaveLength(2);
  });

  it('lets a stream whose head is out finish during the close, then ends its kept-alive connection', async () => {
    const up = await upstream('streaming');
    up.script = () => ({ kind: 'stream', chunks: 5, gapMs: 60 });
    const { gw } = await gateway({ backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: [{ apiKey: 'sk-a' }] }] });
    const port = portOf(gw.url);
    const stream = rawExchange(port, post(port, '/v1/chat/completions', { ...ask, stream: true }));
    let seen = '';
    stream.socket.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
    await vi.waitFor(() => expect(seen).toContain('data: {'));
    const closing = gw.gateway.close();
    const late = await call(port, { path: '/v1/chat/completions', body: ask });
    expect(late.status).toBe(503);
    const answer = await stream.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('data: [DONE]');
    await closing;
  });

  it('ends requests still running when server.shutdownGraceMs has passed', async () => {
    const up = await startMockUpstream(() => ({ kind: 'hang' }), 'hung');
    const gw = await startTestGateway({
      server: { port: 0, shutdownGraceMs: 300 },
      backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: [{ apiKey: 'sk-a' }] }],
    });
    try {
      const port = portOf(gw.url);
      const inFlight = rawExchange(port, post(port, '/v1/chat/completions', ask));
      await vi.waitFor(() => expect(up.requests).toHaveLength(1));
      await gw.gateway.close();
      expect(await inFlight.closed).toBe('');
    } finally {
      await up.close();
    }
  });
});

function post(port: number, path: string, value: unknown): string {
  const body = JSON.stringify(value);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** One keep-alive connection: `send` writes a request and resolves with the next whole (content-length) response. */
function keptAlive(port: number): { send(text: string): Promise<string>; closed: Promise<void>; socket: Socket } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let received = '';
  let waiting: ((response: string) => void) | null = null;
  const take = () => {
    const end = received.indexOf('\r\n\r\n');
    if (!waiting || end < 0) return;
    const length = Number(/^content-length: (\d+)\r$/im.exec(received.slice(0, end))?.[1] ?? 0);
    if (received.length < end + 4 + length) return;
    const response = received.slice(0, end + 4 + length);
    received = received.slice(end + 4 + length);
    const resolve = waiting;
    waiting = null;
    resolve(response);
  };
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    take();
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return {
    socket,
    closed,
    send(text) {
      return new Promise((resolve) => {
        waiting = resolve;
        socket.write(text);
      });
    },
  };
}
