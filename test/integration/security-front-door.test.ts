import { describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { backendsFor, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { call, chat, rawExchange } from '../helpers/raw-http.js';
import type { ErrorJson } from '../helpers/admin.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

/**
 * Attacks on a running gateway's front door: client keys, Host, Origin, forwarded headers,
 * body size and slow headers. Every refusal must happen before the upstream is touched.
 */
const CLIENT_KEY = 'fbx-client-key-front-door-01';
const ORIGIN = 'http://localhost:5173';

describe('security: the front door', () => {
  const cleanups = cleanupAfterEach();

  async function setup(server: Record<string, unknown> = {}): Promise<{ up: MockUpstream; gw: TestGateway; port: number }> {
    const up = await startMockUpstream(undefined, 'alpha');
    cleanups.push(() => up.close());
    const gw = await startTestGateway({
      server: { apiKeys: [CLIENT_KEY], cors: { origins: [ORIGIN] }, maxBodyBytes: 4096, ...server },
      backends: backendsFor({ id: 'alpha', baseUrls: [up.baseUrl] }),
    });
    cleanups.push(() => gw.close());
    return { up, gw, port: Number(new URL(gw.url).port) };
  }

  it('refuses missing, wrong, malformed and query-string keys with 401 in the OpenAI format', async () => {
    const { up, port } = await setup();
    const attempts: { path: string; headers: Record<string, string> }[] = [
      { path: '/v1/chat/completions', headers: {} },
      { path: '/v1/chat/completions', headers: { authorization: 'Bearer fbx-client-key-front-door-02' } },
      { path: '/v1/chat/completions', headers: { authorization: CLIENT_KEY } },
      { path: '/v1/chat/completions', headers: { 'x-api-key': `${CLIENT_KEY} ` + 'x' } },
      { path: `/v1/chat/completions?key=${CLIENT_KEY}`, headers: {} },
      { path: `/v1/chat/completions?api_key=${CLIENT_KEY}`, headers: {} },
    ];
    for (const attempt of attempts) {
      const reply = await call(port, { ...attempt, body: chat() });
      expect(reply.status).toBe(401);
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="fusebox"');
      expect(reply.json()).toMatchObject({ error: { type: 'authentication_error', code: 'unauthorized' } });
      expect(reply.text).not.toContain(CLIENT_KEY);
    }
    const query = await call(port, { path: `/v1/models?key=${CLIENT_KEY}` });
    expect(query.status).toBe(401);
    expect(query.json<ErrorJson>().error.message).toMatch(/not accepted in the query string/);
    expect(up.requests).toHaveLength(0);
  });

  it('answers 401 in the Anthropic and Gemini formats on their paths', async () => {
    const { port } = await setup();
    const anthropic = await call(port, { path: '/v1/messages', body: { model: 'claude-x', max_tokens: 5, messages: [] } });
    expect(anthropic.status).toBe(401);
    expect(anthropic.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const gemini = await call(port, { path: '/v1beta/models/gemini-x:generateContent', body: { contents: [] } });
    expect(gemini.status).toBe(401);
    expect(gemini.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
  });

  it('accepts the key from Authorization, x-api-key and x-goog-api-key, and never forwards it', async () => {
    const { up, port } = await setup();
    const keyed: Record<string, string>[] = [
      { authorization: `Bearer ${CLIENT_KEY}` },
      { 'x-api-key': CLIENT_KEY },
      { 'x-goog-api-key': CLIENT_KEY },
    ];
    for (const headers of keyed) {
      const reply = await call(port, { path: '/v1/chat/completions', headers, body: chat() });
      expect(reply.status).toBe(200);
    }
    expect(up.requests).toHaveLength(3);
    for (const request of up.requests) {
      expect(request.headers.authorization).toBe('Bearer sk-alpha-secret');
      expect(JSON.stringify(request.headers)).not.toContain(CLIENT_KEY);
    }
    expect((await call(port, { path: '/healthz' })).status).toBe(200);
  });

  it('refuses foreign Host headers (DNS rebinding) and accepts the loopback names on its port', async () => {
    const { up, port } = await setup();
    const auth = { authorization: `Bearer ${CLIENT_KEY}` };
    for (const host of ['evil.example', `evil.example:${port}`, `localhost:${port + 1}`, `attacker.localhost:${port}`]) {
      const reply = await call(port, { path: '/v1/chat/completions', headers: { ...auth, host }, body: chat() });
      expect(reply.status).toBe(403);
      expect(reply.json()).toMatchObject({ error: { code: 'forbidden_host' } });
    }
    expect((await call(port, { path: '/healthz', headers: { host: 'evil.example' } })).status).toBe(403);
    expect(up.requests).toHaveLength(0);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await call(port, { path: '/v1/chat/completions', headers: { ...auth, host }, body: chat() })).status).toBe(200);
    }
  });

  it('grants CORS to configured origins only, never *', async () => {
    const { up, port } = await setup();
    const preflight = (origin: string) =>
      call(port, {
        method: 'OPTIONS',
        path: '/v1/chat/completions',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const granted = await preflight(ORIGIN);
    expect(granted.status).toBe(204);
    expect(granted.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(granted.headers['access-control-allow-headers']).toBe('authorization, content-type');
    const refused = await preflight('http://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    const auth = { authorization: `Bearer ${CLIENT_KEY}` };
    const fromApp = await call(port, { path: '/v1/chat/completions', headers: { ...auth, origin: ORIGIN }, body: chat() });
    expect(fromApp.status).toBe(200);
    expect(fromApp.headers['access-control-allow-origin']).toBe(ORIGIN);
    // A cross-site simple POST (text/plain) is refused, not executed with the answer hidden.
    const crossSite = await call(port, {
      path: '/v1/chat/completions',
      headers: { ...auth, origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: JSON.stringify(chat()),
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json()).toMatchObject({ error: { code: 'forbidden_origin' } });
    expect(up.requests).toHaveLength(1);
  });

  it('drops client x-forwarded-*, Forwarded and X-Real-IP headers', async () => {
    const { up, port } = await setup();
    const headers = {
      authorization: `Bearer ${CLIENT_KEY}`,
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-host': 'evil.example',
      forwarded: 'for=6.6.6.6',
      'x-real-ip': '6.6.6.6',
      cookie: 'session=abc',
    };
    expect((await call(port, { path: '/v1/chat/completions', headers, body: chat() })).status).toBe(200);
    const seen = up.requests[0]!.headers;
    for (const name of ['x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-real-ip', 'cookie']) expect(seen[name]).toBeUndefined();
  });

  it('answers 413 to a declared oversized body before reading it', async () => {
    const { up, port } = await setup();
    // The body is never sent: the answer can only come from the declared Content-Length.
    const { socket, closed } = rawExchange(
      port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${CLIENT_KEY}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n',
    );
    const received = await closed;
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toContain('body_too_large');
    const grown = await call(port, {
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${CLIENT_KEY}` },
      body: chat('x'.repeat(8000)),
    });
    expect(grown.status).toBe(413);
    expect(up.requests).toHaveLength(0);
  });

  it('closes a slow-loris connection that never finishes its headers', async () => {
    const { up, port } = await setup({ headersTimeoutMs: 200, requestTimeoutMs: 1000 });
    const { socket, closed } = rawExchange(port, `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
    // Nothing more is sent: only the server's header timeout can end this.
    const received = await closed;
    socket.destroy();
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
    expect(up.requests).toHaveLength(0);
  });
});
