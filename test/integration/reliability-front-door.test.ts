import { afterEach, describe, expect, it, vi } from 'vitest';
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
    expect(late.json().error.code).toBe('shutting_down');
    expect((await inFlight).status).toBe(200);
    await closing;
  });
});
