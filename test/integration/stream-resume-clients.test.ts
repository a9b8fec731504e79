import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { continuesFull, FULL, partialSent, PIECES, resumeRig } from '../helpers/resume-rig.js';
import { answer, cutAfter, errorEvent } from '../helpers/resume-upstream.js';

/** Stream resume with `@anthropic-ai/sdk` and `@google/genai` clients on backends of their own kind. */
describe('stream resume: Anthropic and Gemini clients', () => {
  const cleanups = cleanupAfterEach();
  const origin = (url: string) => url.replace(/\/v1$/, '');

  it('Anthropic SDK: a reset mid-answer is continued with a prefill; one message_start, one stop, the continuation usage', async () => {
    const first = answer('anthropic', 'msg_first', PIECES, { input: 5, output: 7 });
    const { gw, upstreams, requestLine } = await resumeRig(cleanups, [
      { id: 'a', kind: 'anthropic', script: () => ({ sse: cutAfter(first, 4), then: 'reset' }) },
      { id: 'b', kind: 'anthropic', script: continuesFull('anthropic', 'msg_second', 10) },
    ]);
    const client = new Anthropic({ baseURL: origin(gw.url), apiKey: 'client-key', maxRetries: 0 });
    const stream = client.messages.stream({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'the fox' }] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const message = await stream.finalMessage();
    expect(message.id).toBe('msg_first');
    expect(message.content).toEqual([{ type: 'text', text: FULL }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(13);
    expect(types.filter((t) => t === 'message_start')).toHaveLength(1);
    expect(types.filter((t) => t === 'message_stop')).toHaveLength(1);
    expect(types.filter((t) => t === 'content_block_start')).toHaveLength(1);
    const sent = upstreams.b!.requests[0]!.body;
    expect(partialSent(sent)).toBe('The quick brown fox');
    expect((sent.messages as { role: string }[]).map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(await requestLine()).toMatchObject({
      outcome: 'success',
      resumed: [{ backend: 'b', afterCode: 'connection_reset', result: 'completed' }],
    });
  });

  it('Anthropic SDK: an upstream error event mid-stream never reaches the client; the answer is continued', async () => {
    const first = answer('anthropic', 'msg_first', PIECES);
    const { gw } = await resumeRig(cleanups, [
      { id: 'a', kind: 'anthropic', script: () => ({ sse: [...cutAfter(first, 2), errorEvent('anthropic')], then: 'end' }) },
      { id: 'b', kind: 'anthropic', script: continuesFull('anthropic', 'msg_second') },
    ]);
    const client = new Anthropic({ baseURL: origin(gw.url), apiKey: 'client-key', maxRetries: 0 });
    const message = await client.messages.stream({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'the fox' }] }).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: FULL }]);
  });

  it('Anthropic SDK: a reset after message_delta ends the stream with message_stop, nothing continued', async () => {
    const first = answer('anthropic', 'msg_first', PIECES);
    const { gw, upstreams } = await resumeRig(cleanups, [
      { id: 'a', kind: 'anthropic', script: () => ({ sse: [...first.head, ...first.pieces, ...first.tail.slice(0, 2)], then: 'reset' }) },
      { id: 'b', kind: 'anthropic', script: continuesFull('anthropic', 'msg_second') },
    ]);
    const client = new Anthropic({ baseURL: origin(gw.url), apiKey: 'client-key', maxRetries: 0 });
    const stream = client.messages.stream({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'the fox' }] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: FULL }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(types.filter((t) => t === 'content_block_stop' || t === 'message_delta' || t === 'message_stop')).toEqual([
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(upstreams.b!.requests).toHaveLength(0);
  });

  it('@google/genai: a stall past idleMs is continued; the text once, one finish, the continuation usage', async () => {
    const first = answer('gemini', 'resp-first', PIECES);
    const { gw, upstreams } = await resumeRig(cleanups, [
      { id: 'a', kind: 'gemini', script: () => ({ sse: cutAfter(first, 5), then: 'stall' }), idleMs: 300 },
      { id: 'b', kind: 'gemini', script: continuesFull('gemini', 'resp-second', 8) },
    ]);
    const google = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: origin(gw.url), apiVersion: 'v1beta' } });
    const stream = await google.models.generateContentStream({ model: 'm', contents: 'the fox' });
    let text = '';
    const finishes: string[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.text ?? '';
      const finish = chunk.candidates?.[0]?.finishReason;
      if (finish) finishes.push(finish);
      usage = chunk.usageMetadata ?? usage;
    }
    expect(text).toBe(FULL);
    expect(finishes).toEqual(['STOP']);
    expect(usage).toMatchObject({ promptTokenCount: 11, candidatesTokenCount: 13 });
    const sent = upstreams.b!.requests[0]!;
    expect(sent.path).toBe('/v1beta/models/m:streamGenerateContent?alt=sse');
    expect(partialSent(sent.body)).toBe('The quick brown fox jumps');
  });
});
