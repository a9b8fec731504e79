import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { continuesFull, FULL, partialSent, PIECES, resumeRig } from '../helpers/resume-rig.js';
import { answer, cutAfter, whole } from '../helpers/resume-upstream.js';

/** Stream resume across protocols, and collected streams (streamOnly) that break before the answer is whole. */
describe('stream resume: across protocols, and collected streams', () => {
  const cleanups = cleanupAfterEach();

  it('OpenAI client: a break on an Anthropic backend is continued on a Gemini backend, in the same OpenAI stream', async () => {
    const first = answer('anthropic', 'msg_first', PIECES);
    const { gw, upstreams, requestLine } = await resumeRig(cleanups, [
      { id: 'ant', kind: 'anthropic', script: () => ({ sse: cutAfter(first, 3), then: 'reset' }) },
      { id: 'gem', kind: 'gemini', script: continuesFull('gemini', 'resp-second', 7) },
    ]);
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'the fox' }],
    });
    let text = '';
    const finishes: string[] = [];
    const ids = new Set<string>();
    const usage: unknown[] = [];
    for await (const chunk of stream) {
      ids.add(chunk.id);
      if (chunk.usage) usage.push(chunk.usage);
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(text).toBe(FULL);
    expect(finishes).toEqual(['stop']);
    expect([...ids]).toEqual(['msg_first']);
    expect(usage).toEqual([{ prompt_tokens: 11, completion_tokens: 13, total_tokens: 24 }]);
    const sent = upstreams.gem!.requests[0]!;
    expect(sent.path).toBe('/v1beta/models/m:streamGenerateContent?alt=sse');
    expect(partialSent(sent.body)).toBe('The quick brown');
    expect(await requestLine()).toMatchObject({
      outcome: 'success',
      backend: 'gem',
      resumed: [{ backend: 'gem', strategy: 'prefill', result: 'completed' }],
    });
  });

  it('a collected stream (streamOnly) that breaks before its end fails over whole: the JSON client gets one complete answer', async () => {
    const { gw, requestLine } = await resumeRig(cleanups, [
      { id: 'a', kind: 'openai', streamOnly: true, script: () => ({ sse: cutAfter(answer('openai', 'a', PIECES), 4), then: 'reset' }) },
      { id: 'b', kind: 'openai', streamOnly: true, script: () => ({ sse: whole(answer('openai', 'b', PIECES)) }) },
    ]);
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'the fox' }] });
    expect(completion.choices[0]!.message.content).toBe(FULL);
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const line = await requestLine();
    expect((line.attempts as { outcome: string }[]).map((a) => a.outcome)).toEqual(['connection_reset', 'success']);
    expect(line.resumed).toBeUndefined();
  });
});
