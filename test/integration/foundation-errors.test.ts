import { connect } from 'node:net';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream } from '../helpers/upstream.js';
import { backendsFor, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

describe('fusebox answers every bad input in the OpenAI error format', () => {
  const cleanups = cleanupAfterEach();

  async function gatewayWithOneBackend(): Promise<TestGateway> {
    const upstream = await startMockUpstream();
    cleanups.push(() => upstream.close());
    const gw = await startTestGateway({
      server: { maxBodyBytes: 1024 },
      backends: [{ id: 'a', models: ['gpt-test'], baseUrls: [upstream.baseUrl], credentials: [{ apiKey: 'k' }] }],
    });
    cleanups.push(() => gw.close());
    return gw;
  }

  async function post(gw: TestGateway, path: string, body: string, headers: Record<string, string> = {}) {
    const res = await fetch(gw.url.replace(/\/v1$/, '') + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as { error: Record<string, string> } };
  }

  it.each([
    ['malformed JSON', '/v1/chat/completions', '{"model": ', 400, 'invalid_json'],
    ['a body that is not an object', '/v1/chat/completions', '[1,2]', 400, 'invalid_request'],
    ['a missing model', '/v1/chat/completions', '{"messages": []}', 400, 'missing_model'],
    ['a non-boolean stream flag', '/v1/chat/completions', '{"model":"gpt-test","stream":"yes"}', 400, 'invalid_request'],
    ['an unknown model', '/v1/chat/completions', '{"model":"nope","messages":[]}', 404, 'model_not_found'],
    ['an unknown route', '/v1/nothing-here', '{}', 404, 'unknown_url'],
  ])('%s → %i %s', async (_name, path, body, status, code) => {
    const gw = await gatewayWithOneBackend();
    const res = await post(gw, path, body);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, type: 'invalid_request_error' });
    expect(typeof res.body.error.message).toBe('string');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('refuses a body over the limit with 413 before reading it', async () => {
    const gw = await gatewayWithOneBackend();
    const big = JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    const res = await post(gw, '/v1/chat/completions', big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('body_too_large');
  });

  it('refuses a body that grows past the limit without a Content-Length', async () => {
    const gw = await gatewayWithOneBackend();
    const port = new URL(gw.url).port;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
        );
        socket.write(`800\r\n${'x'.repeat(0x800)}\r\n`);
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy());
    });
    expect(answer.startsWith('HTTP/1.1 413')).toBe(true);
    expect(answer).toContain('"code":"body_too_large"');
  });

  it('says 405 for a GET on a POST route and serves /healthz', async () => {
    const gw = await gatewayWithOneBackend();
    const base = gw.url.replace(/\/v1$/, '');
    const wrong = await fetch(`${base}/v1/chat/completions`);
    expect(wrong.status).toBe(405);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    const health = await fetch(`${base}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 with Retry-After and x-should-retry: false when every backend is down', async () => {
    const dead = await startMockUpstream(() => ({ kind: 'status', status: 503 }));
    cleanups.push(() => dead.close());
    const gw = await startTestGateway({
      backends: backendsFor({ id: 'one', baseUrls: [dead.baseUrl] }, { id: 'two', baseUrls: [dead.baseUrl] }).map((b) => ({
        ...b,
        breaker: { failureThreshold: 2, recoveryMs: 30_000 },
      })),
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

    const first = await ask().catch((error: unknown) => error);
    expect(first).toBeInstanceOf(OpenAI.APIError);
    expect((first as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    await ask().catch(() => undefined);
    expect(gw.gateway.actors.view('backend:one').state).toBe('open');
    expect(gw.gateway.actors.view('backend:two').state).toBe('open');

    const requestsBefore = dead.requests.length;
    const error = (await ask().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(503);
    expect(error.code).toBe('no_route_available');
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(25);
    expect(Number(error.headers?.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(error.headers?.get('x-should-retry')).toBe('false');
    expect(dead.requests.length).toBe(requestsBefore);
  });
});
