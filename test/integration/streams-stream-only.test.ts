import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream, type Behavior } from '../helpers/upstream.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

/** streamOnly backends: non-streamed requests are streamed upstream and collected into one JSON. */
describe('streamOnly backends', () => {
  const cleanups = cleanupAfterEach();

  async function setup(alpha: Behavior, beta: Behavior = { kind: 'ok' }) {
    const a = await startMockUpstream(() => alpha, 'alpha');
    const b = await startMockUpstream(() => beta, 'beta');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const gw = await startTestGateway({
      backends: [
        { id: 'alpha', streamOnly: true, baseUrls: [a.baseUrl], credentials: [{ apiKey: 'sk-a' }] },
        { id: 'beta', priority: 1, baseUrls: [b.baseUrl], credentials: [{ apiKey: 'sk-b' }] },
      ],
    });
    cleanups.push(() => gw.close());
    return { a, b, gw, client: new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 }) };
  }

  it('collects the upstream stream into one chat completion with usage', async () => {
    const { a, b, client } = await setup({ kind: 'stream', chunks: 4 });
    const reply = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.object).toBe('chat.completion');
    expect(reply.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'alpha: 1 2 3' });
    expect(reply.choices[0]?.finish_reason).toBe('stop');
    expect(reply.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(JSON.parse(a.requests[0]!.body)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(b.requests).toHaveLength(0);
  });

  it('passes a client stream through unchanged, the body untouched but for the usage report fusebox asks for', async () => {
    const { a, client } = await setup({ kind: 'stream', chunks: 2 });
    const stream = await client.chat.completions.create({ model: 'gpt-test', messages: [], stream: true });
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.choices[0]?.delta.content ?? '');
    expect(parts.join('')).toBe('alpha: 1');
    const { stream_options: asked, ...rest } = JSON.parse(a.requests[0]!.body) as { stream_options?: unknown };
    expect(asked).toEqual({ include_usage: true });
    expect(rest).toEqual({ model: 'gpt-test', messages: [], stream: true });
  });

  it('fails over when the collected stream breaks, before the client sees anything', async () => {
    const { b, client } = await setup({ kind: 'stream', chunks: 5, resetAfter: 2 });
    const reply = await client.chat.completions.create({ model: 'gpt-test', messages: [] });
    expect(reply.choices[0]?.message.content).toBe('hello from beta');
    expect((JSON.parse(b.requests[0]!.body) as { stream?: unknown }).stream).toBeUndefined();
  });
});
