import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream, type Behavior, type MockUpstream } from '../helpers/upstream.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

/** Stream guards: first data event, empty streams, mid-stream failures, idle and total timeouts. */
describe('stream guards', () => {
  const cleanups = cleanupAfterEach();

  const timeouts = { firstChunkMs: 200, idleMs: 200, totalMs: 5_000 };

  async function twoBackends(
    alpha: Behavior,
    beta: Behavior,
    extra: { timeouts?: Record<string, number> } = {},
  ): Promise<{ a: MockUpstream; b: MockUpstream; gw: TestGateway; client: OpenAI }> {
    const a = await startMockUpstream(() => alpha, 'alpha');
    const b = await startMockUpstream(() => beta, 'beta');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const backend = (id: string, url: string, priority: number) => ({
      id,
      priority,
      baseUrls: [url],
      credentials: [{ id: `${id}-key`, apiKey: `sk-${id}-secret` }],
      // Only alpha has tight timeouts: beta must not time out on a loaded machine.
      timeouts: id === 'alpha' ? { ...timeouts, ...extra.timeouts } : { totalMs: 30_000, ...extra.timeouts },
    });
    // Stream resume off: these guards end a broken stream as they do without it (stream-resume-*.test.ts cover it on).
    const gw = await startTestGateway({ streams: { resume: false }, backends: [backend('alpha', a.baseUrl, 0), backend('beta', b.baseUrl, 1)] });
    cleanups.push(() => gw.close());
    return { a, b, gw, client: new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }) };
  }

  async function collect(client: OpenAI): Promise<string> {
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.choices[0]?.delta.content ?? '');
    return parts.join('');
  }

  it('fails over when the first data event is late, though headers and comments came at once', async () => {
    const slow: Behavior = { kind: 'stream', headersFirst: true, keepAliveMs: 20, firstChunkDelayMs: 2_000 };
    const { a, b, gw, client } = await twoBackends(slow, { kind: 'stream' });
    expect(await collect(client)).toBe('beta: 1 2');
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
    expect(gw.gateway.actors.view('baseurl:alpha:0').context.health.lastErrors).toEqual(['timeout_first_chunk']);
  });

  it('fails over on an empty stream and on a stream of only [DONE]', async () => {
    for (const empty of [{ kind: 'empty-stream' }, { kind: 'empty-stream', done: true, comment: true }] as const) {
      const { gw, client } = await twoBackends(empty, { kind: 'stream' });
      expect(await collect(client)).toBe('beta: 1 2');
      expect(gw.gateway.actors.view('baseurl:alpha:0').context.health.lastErrors).toEqual(['empty_stream']);
    }
  });

  it('answers 502 with an error body when every stream is empty, never an empty 200', async () => {
    const { client } = await twoBackends({ kind: 'empty-stream', done: true }, { kind: 'empty-stream' });
    const failure = await collect(client).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((failure as InstanceType<typeof OpenAI.APIError>).message).toContain('empty_stream');
  });

  it('ends a stream that resets after some chunks with an in-band error the SDK raises', async () => {
    const { gw, client } = await twoBackends({ kind: 'stream', chunks: 5, resetAfter: 2 }, { kind: 'stream' });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const parts: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) parts.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((error: unknown) => error);
    expect(parts.join('')).toBe('alpha: 1');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain('connection_reset');
    expect(gw.gateway.actors.view('baseurl:alpha:0').context.health.lastErrors).toEqual(['connection_reset']);
  });

  it('ends a stream that goes idle with an in-band error, and counts it against the BaseURL', async () => {
    const { gw, client } = await twoBackends({ kind: 'stream', chunks: 3, gapMs: 2_000 }, { kind: 'stream' });
    const failure = await collect(client).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain('timeout_idle');
    expect(gw.gateway.actors.view('baseurl:alpha:0').context.health.lastErrors).toEqual(['timeout_idle']);
  });

  it('treats a stream that ends cleanly with neither [DONE] nor a finish reason as truncated', async () => {
    const cut: Behavior = { kind: 'raw', text: 'data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n' };
    const { client } = await twoBackends(cut, { kind: 'stream' });
    const failure = await collect(client).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain('stream_truncated');
  });

  it('fails over when a stream starts with an error event', async () => {
    const errorFirst: Behavior = { kind: 'raw', text: ': hi\n\ndata: {"error":{"message":"boom"}}\n\n' };
    const { gw, client } = await twoBackends(errorFirst, { kind: 'stream' });
    expect(await collect(client)).toBe('beta: 1 2');
    expect(gw.gateway.actors.view('baseurl:alpha:0').context.health.lastErrors).toEqual(['stream_error_event']);
  });

  it('answers 504 when the request total deadline passes, without blaming the route it never tried', async () => {
    const { b, gw, client } = await twoBackends({ kind: 'hang' }, { kind: 'hang' }, { timeouts: { totalMs: 300 } });
    const failure = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect(b.requests).toHaveLength(0);
    expect(gw.gateway.actors.view('baseurl:beta:0').context.health.lastErrors).toEqual([]);
  });
});
