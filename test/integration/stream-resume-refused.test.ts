import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { PIECES, resumeRig } from '../helpers/resume-rig.js';
import { answer, cutAfter, type Reply } from '../helpers/resume-upstream.js';

/** When nothing continues a broken stream: the client's stream ends with the in-band error naming the first failure. */
describe('stream resume: nothing continues', () => {
  const cleanups = cleanupAfterEach();
  const cut: Reply = { sse: cutAfter(answer('openai', 'chatcmpl-first', PIECES), 3), then: 'reset' };

  async function read(url: string): Promise<{ text: string; failure: unknown }> {
    const client = new OpenAI({ baseURL: url, apiKey: 'client-key', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    } catch (failure) {
      return { text, failure };
    }
    return { text, failure: null };
  }

  it('every continuation refused with a 400: the in-band error names the original reset, not the 400', async () => {
    const refuse: Reply = { status: 400, body: { error: { message: 'prefill not supported here' } } };
    const { gw, upstreams, requestLine } = await resumeRig(cleanups, [
      { id: 'a', kind: 'openai', script: () => cut },
      { id: 'b', kind: 'openai', script: () => refuse },
    ]);
    const { text, failure } = await read(gw.url);
    expect(text).toBe('The quick brown ');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain('connection_reset');
    expect((failure as Error).message).not.toContain('prefill');
    expect(upstreams.b!.requests).toHaveLength(2);
    const line = await requestLine();
    expect(line).toMatchObject({ outcome: 'broken_stream', backend: 'a', status: 200 });
    // Then the broken route itself is asked once more, after a backoff, and breaks again.
    expect((line.resumed as { backend: string; strategy: string; result: string }[]).map((r) => [r.backend, r.strategy, r.result])).toEqual([
      ['b', 'prefill', 'refused'],
      ['b', 'instruction', 'refused'],
      ['a', 'prefill', 'broken'],
    ]);
    expect(upstreams.a!.requests).toHaveLength(2);
  });

  it('a backend with continuation [] is never asked; with no other route the stream ends with the original error', async () => {
    const { gw, upstreams } = await resumeRig(cleanups, [
      { id: 'a', kind: 'openai', script: () => cut },
      { id: 'b', kind: 'openai', continuation: [], script: () => ({ status: 500, body: {} }) },
    ]);
    const { failure } = await read(gw.url);
    expect((failure as Error).message).toContain('connection_reset');
    expect(upstreams.b!.requests).toHaveLength(0);
  });

  it('a continuation that fails before its first event fails over to the next route', async () => {
    const { gw, upstreams } = await resumeRig(cleanups, [
      { id: 'a', kind: 'openai', script: () => cut },
      { id: 'b', kind: 'openai', script: () => ({ status: 503, body: { error: { message: 'busy' } } }) },
      {
        id: 'c',
        kind: 'openai',
        script: () => ({ sse: [...answer('openai', 'c', ['fox ', 'jumps ', 'over ', 'the ', 'lazy ', 'dog.']).pieces, 'data: [DONE]\n\n'] }),
      },
    ]);
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(PIECES.join(''));
    expect(upstreams.b!.requests).toHaveLength(1);
    expect(upstreams.c!.requests).toHaveLength(1);
  });
});
