import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { continuesFull, FULL, partialSent, PIECES, resumeRig } from '../helpers/resume-rig.js';
import { answer, cutAfter, errorEvent, whole, type Reply } from '../helpers/resume-upstream.js';
import { FOLD_BYTES } from '../../src/routing/forwarded-stream.js';

/** Stream resume with the openai SDK and OpenAI-kind backends: each way a stream breaks, continued in the same stream. */
describe('stream resume: OpenAI client', () => {
  const cleanups = cleanupAfterEach();
  const first = answer('openai', 'chatcmpl-first', PIECES);

  async function read(url: string) {
    const client = new OpenAI({ baseURL: url, apiKey: 'client-key', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'tell me about the fox' }],
    });
    const seen = { text: '', finishes: [] as string[], roles: 0, ids: new Set<string>(), usage: [] as unknown[] };
    for await (const chunk of stream) {
      seen.ids.add(chunk.id);
      if (chunk.usage) seen.usage.push(chunk.usage);
      const choice = chunk.choices[0];
      if (!choice) continue;
      seen.text += choice.delta.content ?? '';
      if (choice.delta.role) seen.roles += 1;
      if (choice.finish_reason) seen.finishes.push(choice.finish_reason);
    }
    return seen;
  }

  const breaks: [string, Reply, string][] = [
    ['a reset after three tokens', { sse: cutAfter(first, 3), then: 'reset' }, 'connection_reset'],
    ['an idle upstream', { sse: cutAfter(first, 3), then: 'stall' }, 'timeout_idle'],
    ['an in-band error event', { sse: [...cutAfter(first, 3), errorEvent('openai')], then: 'stall' }, 'stream_error_event'],
    ['an end without finish', { sse: cutAfter(first, 3), then: 'end' }, 'stream_truncated'],
  ];

  for (const [name, reply, code] of breaks) {
    it(`continues after ${name} with a prefill on the next backend: the text once, one role, one finish, the continuation's usage`, async () => {
      const { gw, upstreams, requestLine } = await resumeRig(cleanups, [
        { id: 'a', kind: 'openai', script: () => reply, idleMs: 300 },
        { id: 'b', kind: 'openai', script: continuesFull('openai', 'chatcmpl-second', 6) },
      ]);
      const seen = await read(gw.url);
      expect(seen.text).toBe(FULL);
      expect(seen.roles).toBe(1);
      expect(seen.finishes).toEqual(['stop']);
      expect([...seen.ids]).toEqual(['chatcmpl-first']);
      expect(seen.usage).toEqual([{ prompt_tokens: 11, completion_tokens: 13, total_tokens: 24 }]);
      const sent = upstreams.b!.requests[0]!.body;
      expect(partialSent(sent)).toBe('The quick brown');
      expect((sent.messages as { role: string }[]).map((m) => m.role)).toEqual(['user', 'assistant']);
      const line = await requestLine();
      expect(line).toMatchObject({ outcome: 'success', backend: 'b' });
      expect(line.resumed).toEqual([{ backend: 'b', strategy: 'prefill', afterCode: code, keptChars: 16, result: 'completed' }]);
      expect((line.attempts as { outcome: string }[]).map((a) => a.outcome)).toEqual([code, 'success']);
      // The request's usage is the continuation's, in the log line as in the client's stream.
      expect(line.usage).toEqual({ inputTokens: 11, outputTokens: 13 });
    });
  }

  it('continues a long stream, most of it replayed while it flowed, with every character the client had', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i} `);
    const longFull = long.join('');
    const firstLong = answer('openai', 'chatcmpl-first', long);
    const cut = cutAfter(firstLong, 300);
    expect(cut.join('').length).toBeGreaterThan(4 * FOLD_BYTES);
    const { gw, upstreams, requestLine } = await resumeRig(cleanups, [
      { id: 'a', kind: 'openai', script: () => ({ sse: cut, then: 'reset' }) },
      {
        id: 'b',
        kind: 'openai',
        script: (request) => {
          const partial = partialSent(request.body);
          if (!longFull.startsWith(partial)) return { status: 500, body: { error: { message: 'unexpected partial' } } };
          return { sse: whole(answer('openai', 'chatcmpl-second', [longFull.slice(partial.length)], { input: 11, output: 13 })) };
        },
      },
    ]);
    const seen = await read(gw.url);
    expect(seen.text).toBe(longFull);
    expect(seen.finishes).toEqual(['stop']);
    expect([...seen.ids]).toEqual(['chatcmpl-first']);
    // The prefill is the text the client had, without its trailing space (as with the short answer above).
    expect(partialSent(upstreams.b!.requests[0]!.body)).toBe(long.slice(0, 300).join('').trimEnd());
    const line = await requestLine();
    expect(line.resumed).toEqual([
      { backend: 'b', strategy: 'prefill', afterCode: 'connection_reset', keptChars: long.slice(0, 300).join('').length, result: 'completed' },
    ]);
  });

  it('says where it resumed in an SSE comment, and counts the resume in the metrics', async () => {
    const { gw } = await resumeRig(cleanups, [
      { id: 'a', kind: 'openai', script: () => ({ sse: cutAfter(first, 2), then: 'reset' }) },
      { id: 'b', kind: 'openai', script: continuesFull('openai', 'chatcmpl-second') },
    ]);
    const res = await fetch(`${gw.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(text).toContain(': fusebox resumed after connection_reset on b (prefill, kept 10 chars)\n\n');
    expect(text.match(/data: \[DONE\]/g)).toHaveLength(1);
    expect(text).not.toContain('"usage"');
    const metrics = await (await fetch(new URL('/metrics', gw.url))).text();
    expect(metrics).toContain('fusebox_stream_resumes_total{backend="b",strategy="prefill",result="completed"} 1');
  });

  it('tries the instruction on the same route when it refuses the prefill with a 400, blaming nobody', async () => {
    const { gw, upstreams, requestLine } = await resumeRig(cleanups, [
      { id: 'a', kind: 'openai', script: () => ({ sse: cutAfter(first, 3), then: 'reset' }) },
      {
        id: 'b',
        kind: 'openai',
        script: (request, index) =>
          index === 0 ? { status: 400, body: { error: { message: 'assistant prefill is not supported' } } } : continuesFull('openai', 'x')(request),
      },
    ]);
    const seen = await read(gw.url);
    expect(seen.text).toBe(FULL);
    expect(seen.finishes).toEqual(['stop']);
    const second = upstreams.b!.requests[1]!.body.messages as { role: string; content: string }[];
    expect(second.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(second[1]!.content).toBe('The quick brown ');
    expect(second[2]!.content).toMatch(/continue/i);
    const line = await requestLine();
    expect((line.resumed as { strategy: string; result: string }[]).map((r) => [r.strategy, r.result])).toEqual([
      ['prefill', 'refused'],
      ['instruction', 'completed'],
    ]);
    expect(gw.gateway.actors.view('baseurl:b:0').context.health.lastErrors).toEqual([]);
  });

  it('with one route only, asks the broken route itself again after a short backoff', async () => {
    const { gw, upstreams, requestLine } = await resumeRig(
      cleanups,
      [
        {
          id: 'a',
          kind: 'openai',
          script: (request, index) => (index === 0 ? { sse: cutAfter(first, 3), then: 'reset' } : continuesFull('openai', 'x')(request)),
        },
      ],
      { routing: { sameModelRetryBackoffMs: 20 } },
    );
    const seen = await read(gw.url);
    expect(seen.text).toBe(FULL);
    expect(upstreams.a!.requests).toHaveLength(2);
    expect(await requestLine()).toMatchObject({ outcome: 'success', resumed: [{ backend: 'a', strategy: 'prefill', result: 'completed' }] });
  });

  it('a break after the finish is not continued: the client gets the end of its stream, and the break is still reported', async () => {
    const finished: Reply = { sse: [...first.head, ...first.pieces, first.tail[0]!], then: 'reset' };
    const { gw, upstreams, requestLine } = await resumeRig(cleanups, [
      { id: 'a', kind: 'openai', script: () => finished },
      { id: 'b', kind: 'openai', script: continuesFull('openai', 'x') },
    ]);
    const seen = await read(gw.url);
    expect(seen.text).toBe(FULL);
    expect(seen.finishes).toEqual(['stop']);
    expect(upstreams.b!.requests).toHaveLength(0);
    const line = await requestLine();
    expect(line).toMatchObject({ outcome: 'success', backend: 'a' });
    expect((line.attempts as { outcome: string }[]).map((a) => a.outcome)).toEqual(['connection_reset']);
    expect(gw.gateway.actors.view('baseurl:a:0').context.health.lastErrors).toEqual(['connection_reset']);
  });

  it('with streams.resume off, ends the broken stream with the in-band error as before', async () => {
    const { gw, upstreams } = await resumeRig(
      cleanups,
      [
        { id: 'a', kind: 'openai', script: () => ({ sse: cutAfter(first, 3), then: 'reset' }) },
        { id: 'b', kind: 'openai', script: continuesFull('openai', 'x') },
      ],
      { streams: { resume: false } },
    );
    const failure = await read(gw.url).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain('connection_reset');
    expect(upstreams.b!.requests).toHaveLength(0);
  });
});
