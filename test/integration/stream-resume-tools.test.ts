import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { partialSent, resumeRig } from '../helpers/resume-rig.js';
import { type Reply } from '../helpers/resume-upstream.js';

/** Stream resume and tool calls: only at a boundary after complete calls; a cut mid-arguments ends cleanly. */
describe('stream resume: tool calls', () => {
  const cleanups = cleanupAfterEach();
  const frame = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
  const tools = [
    { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  ];

  const message = (id: string) => ({ id, type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 3, output_tokens: 1 } });
  const toolBlock = (index: number, id: string, name: string, json: string) => [
    frame({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input: {} } }, 'content_block_start'),
    frame({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json } }, 'content_block_delta'),
    frame({ type: 'content_block_stop', index }, 'content_block_stop'),
  ];
  const textBlock = (index: number, text: string) => [
    frame({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, 'content_block_start'),
    frame({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }, 'content_block_delta'),
    frame({ type: 'content_block_stop', index }, 'content_block_stop'),
  ];
  const end = [
    frame({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } }, 'message_delta'),
    frame({ type: 'message_stop' }, 'message_stop'),
  ];

  async function read(url: string) {
    const client = new OpenAI({ baseURL: url, apiKey: 'client-key', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'm',
      stream: true,
      tools,
      messages: [{ role: 'user', content: 'weather and time?' }],
    });
    const seen = {
      text: '',
      calls: [] as { index: number; id?: string; name?: string; args: string }[],
      finishes: [] as string[],
      failure: null as unknown,
    };
    try {
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (!choice) continue;
        seen.text += choice.delta.content ?? '';
        for (const call of choice.delta.tool_calls ?? []) {
          let known = seen.calls.find((c) => c.index === call.index);
          if (!known) seen.calls.push((known = { index: call.index, args: '' }));
          if (call.id) known.id = call.id;
          if (call.function?.name) known.name = call.function.name;
          known.args += call.function?.arguments ?? '';
        }
        if (choice.finish_reason) seen.finishes.push(choice.finish_reason);
      }
    } catch (failure) {
      seen.failure = failure;
    }
    return seen;
  }

  it('a cut in the middle of a tool call’s arguments ends cleanly with the in-band error; nothing is continued', async () => {
    const cut: Reply = {
      sse: [
        frame({ type: 'message_start', message: message('msg_1') }, 'message_start'),
        frame(
          { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } },
          'content_block_start',
        ),
        frame({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":' } }, 'content_block_delta'),
      ],
      then: 'reset',
    };
    const { gw, upstreams, requestLine } = await resumeRig(cleanups, [
      { id: 'a', kind: 'anthropic', script: () => cut },
      { id: 'b', kind: 'anthropic', script: () => ({ status: 500, body: {} }) },
    ]);
    const seen = await read(gw.url);
    expect(seen.failure).toBeInstanceOf(OpenAI.APIError);
    expect((seen.failure as Error).message).toContain('connection_reset');
    expect(seen.calls).toEqual([{ index: 0, id: 'toolu_1', name: 'get_weather', args: '{"city":' }]);
    expect(upstreams.b!.requests).toHaveLength(0);
    expect(await requestLine()).toMatchObject({ outcome: 'broken_stream' });
  });

  it('after complete tool calls: continued with the text as prefill; a call sent again identically is dropped, a new one numbered next', async () => {
    const first: Reply = {
      sse: [
        frame({ type: 'message_start', message: message('msg_1') }, 'message_start'),
        ...textBlock(0, 'Let me check. '),
        ...toolBlock(1, 'toolu_1', 'get_weather', '{"city":"Paris"}'),
      ],
      then: 'reset',
    };
    const continuation: Reply = {
      sse: [
        frame({ type: 'message_start', message: message('msg_2') }, 'message_start'),
        ...toolBlock(0, 'toolu_again', 'get_weather', '{"city":"Paris"}'),
        ...toolBlock(1, 'toolu_2', 'get_time', '{"city":"Paris"}'),
        ...end,
      ],
    };
    const { gw, upstreams } = await resumeRig(cleanups, [
      { id: 'a', kind: 'anthropic', script: () => first },
      { id: 'b', kind: 'anthropic', script: () => continuation },
    ]);
    const seen = await read(gw.url);
    expect(seen.failure).toBeNull();
    expect(seen.text).toBe('Let me check. ');
    expect(seen.calls).toEqual([
      { index: 0, id: 'toolu_1', name: 'get_weather', args: '{"city":"Paris"}' },
      { index: 1, id: 'toolu_2', name: 'get_time', args: '{"city":"Paris"}' },
    ]);
    expect(seen.finishes).toEqual(['tool_calls']);
    expect(partialSent(upstreams.b!.requests[0]!.body)).toBe('Let me check.');
  });

  it('a continuation cut mid-arguments (held back, never sent) is continued again; when nothing continues, the first break is named', async () => {
    const first: Reply = {
      sse: [frame({ type: 'message_start', message: message('msg_1') }, 'message_start'), ...textBlock(0, 'Let me check. ')].slice(0, 3),
      then: 'stall',
    };
    const cut: Reply = {
      sse: [
        frame({ type: 'message_start', message: message('msg_2') }, 'message_start'),
        frame(
          { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'get_time', input: {} } },
          'content_block_start',
        ),
        frame({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"ci' } }, 'content_block_delta'),
      ],
      then: 'reset',
    };
    // No same-route retries (sameModelRetryMaxMs 0): each route is asked once.
    const { gw, upstreams } = await resumeRig(
      cleanups,
      [
        { id: 'a', kind: 'anthropic', idleMs: 300, script: () => first },
        { id: 'b', kind: 'anthropic', script: () => cut },
        { id: 'c', kind: 'anthropic', script: () => ({ status: 500, body: {} }) },
      ],
      { routing: { sameModelRetryMaxMs: 0 } },
    );
    const seen = await read(gw.url);
    expect(seen.text).toBe('Let me check. ');
    expect((seen.failure as Error).message).toContain('timeout_idle');
    expect((seen.failure as Error).message).not.toContain('connection_reset');
    expect(seen.calls).toEqual([]);
    expect(upstreams.c!.requests).toHaveLength(1);
    expect(upstreams.a!.requests).toHaveLength(1);
  });
});
