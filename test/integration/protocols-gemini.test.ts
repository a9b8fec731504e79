import { describe, expect, it } from 'vitest';
import { startMockUpstream, type Behavior } from '../helpers/upstream.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

/** Gemini's generateContent API through fusebox (plain fetch: no Google SDK is installed). */
describe('gemini protocol', () => {
  const cleanups = cleanupAfterEach();

  async function setup(alpha: Behavior = { kind: 'ok' }, beta: Behavior = { kind: 'ok' }) {
    const a = await startMockUpstream(() => alpha, 'alpha');
    const b = await startMockUpstream(() => beta, 'beta');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const gemini = (id: string, origin: string, priority: number) => ({
      id,
      kind: 'gemini' as const,
      priority,
      models: ['gemini-test'],
      baseUrls: [`${origin}/v1beta`],
      credentials: [{ id: `${id}-key`, apiKey: `AIza-${id}-secret` }],
    });
    const gw = await startTestGateway({ backends: [gemini('alpha', a.origin, 0), gemini('beta', b.origin, 1)] });
    cleanups.push(() => gw.close());
    const origin = gw.url.replace(/\/v1$/, '');
    const post = (path: string, body: unknown = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }) =>
      fetch(`${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'client-key' },
        body: JSON.stringify(body),
      });
    return { a, b, gw, origin, post };
  }

  /** The `data:` payloads of an SSE body, parsed. */
  function events(text: string): { candidates?: { content: { parts: { text: string }[] } }[]; error?: unknown }[] {
    return text
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { candidates?: { content: { parts: { text: string }[] } }[]; error?: unknown });
  }

  it('round-trips generateContent with the model from the path and the credential as x-goog-api-key', async () => {
    const { a, post } = await setup();
    const res = await post('/v1beta/models/gemini-test:generateContent');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    expect(body.candidates[0]?.content.parts[0]?.text).toBe('hello from alpha');
    const sent = a.requests[0]!;
    expect(sent.path).toBe('/v1beta/models/gemini-test:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe('AIza-alpha-secret');
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('streams streamGenerateContent?alt=sse and fails over before the first event', async () => {
    const { a, b, post } = await setup({ kind: 'empty-stream' }, { kind: 'stream', chunks: 3 });
    const res = await post('/v1beta/models/gemini-test:streamGenerateContent?alt=sse');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = events(await res.text())
      .map((e) => e.candidates?.[0]?.content.parts[0]?.text)
      .join('');
    expect(text).toBe('beta: 1 2');
    expect(a.requests[0]!.path).toBe('/v1beta/models/gemini-test:streamGenerateContent?alt=sse');
    expect(b.requests).toHaveLength(1);
  });

  it('ends a broken stream with an in-band Gemini error', async () => {
    const { post } = await setup({ kind: 'stream', chunks: 5, resetAfter: 2 });
    const res = await post('/v1beta/models/gemini-test:streamGenerateContent?alt=sse');
    const all = events(await res.text());
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({ error: { code: 502, status: 'INTERNAL' } });
  });

  it('answers in the Google error format: unknown model, unknown method, all backends failing', async () => {
    const { post } = await setup({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    const unknown = await post('/v1beta/models/nope:generateContent');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
    const method = await post('/v1beta/models/gemini-test:embedEverything');
    expect(method.status).toBe(404);
    expect(await method.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
    const down = await post('/v1beta/models/gemini-test:generateContent');
    expect(down.status).toBe(502);
    expect(await down.json()).toMatchObject({ error: { code: 502, status: 'INTERNAL' } });
  });

  it('lists gemini models', async () => {
    const { origin } = await setup();
    const res = await fetch(`${origin}/v1beta/models`);
    expect(await res.json()).toEqual({
      models: [
        {
          name: 'models/gemini-test',
          displayName: 'gemini-test',
          supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
        },
      ],
    });
  });
});
