import { describe, expect, it } from 'vitest';
import { createStreamTranslator, translateRequest, translateResponse } from '../../../../../src/http/protocols/neutral/translate.js';
import { TranslationRefusal } from '../../../../../src/http/protocols/neutral/refusal.js';

const LONG = 'a_tool_name_that_is_much_longer_than_sixty_four_characters_allowed_by_apis';
const frame = (value: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(value)}\n\n`;

describe('translation round trips', () => {
  it('shortens a long tool name for the target and restores it in the JSON response and the stream', () => {
    const { body, state } = translateRequest('openai', 'gemini', {
      model: 'g',
      messages: [{ role: 'user', content: 'go' }],
      tools: [{ type: 'function', function: { name: LONG, parameters: { type: 'object', properties: { a: { type: 'string' } } } } }],
    });
    const declared = (body.tools as Array<{ functionDeclarations: Array<{ name: string }> }>)[0]?.functionDeclarations[0]?.name ?? '';
    expect(declared.length).toBeLessThanOrEqual(64);
    expect(declared).not.toBe(LONG);
    const reply = {
      candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: declared, args: { a: 'x' } } }] }, finishReason: 'STOP' }],
      responseId: 'r1',
    };
    const json = translateResponse(state, reply) as {
      choices: Array<{ message: { tool_calls: Array<{ id: string; function: { name: string } }> }; finish_reason: string }>;
    };
    expect(json.choices[0]?.message.tool_calls[0]?.function.name).toBe(LONG);
    expect(json.choices[0]?.finish_reason).toBe('tool_calls');
    const stream = createStreamTranslator({ ...state, stream: true });
    const out = Buffer.concat([...stream.push(Buffer.from(frame(reply))), ...stream.end()]).toString();
    expect(out).toContain(`"name":"${LONG}"`);
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('gives Gemini calls stable ids that the client can send back with its tool results', () => {
    const { state } = translateRequest('openai', 'gemini', { model: 'g', messages: [{ role: 'user', content: 'weather?' }] });
    const reply = {
      candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Paris' } } }] }, finishReason: 'STOP' }],
      responseId: 'resp7',
    };
    const first = translateResponse(state, reply) as { choices: Array<{ message: { tool_calls: Array<{ id: string }> } }> };
    const again = translateResponse(state, reply) as typeof first;
    const id = first.choices[0]?.message.tool_calls[0]?.id ?? '';
    expect(id).toBe(again.choices[0]?.message.tool_calls[0]?.id);
    const next = translateRequest('openai', 'gemini', {
      model: 'g',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: id, content: '18C' },
      ],
    });
    expect((next.body.contents as unknown[])[2]).toEqual({
      role: 'user',
      parts: [{ functionResponse: { name: 'weather', response: { output: '18C' } } }],
    });
  });

  it('refuses a tool result whose call is not in the conversation when the target needs the name', () => {
    const attempt = () => translateRequest('openai', 'gemini', { model: 'g', messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] });
    expect(attempt).toThrow(TranslationRefusal);
    expect(attempt).toThrow(/Gemini needs the function name/);
  });

  it('names the offending field in a refusal, with status 400 and a stable code', () => {
    try {
      translateRequest('openai', 'anthropic', { model: 'c', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TranslationRefusal);
      expect(error).toMatchObject({ field: 'messages[0].content[0].type', status: 400, code: 'translation_unsupported' });
    }
  });

  it('reports what a stream has emitted so far, and whether a tool call is half sent', () => {
    const state = translateRequest('anthropic', 'openai', {
      model: 'gpt',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    }).state;
    const stream = createStreamTranslator(state);
    const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt' };
    stream.push(Buffer.from(frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' } }] })));
    stream.push(Buffer.from(frame({ ...base, choices: [{ index: 0, delta: { content: 'lo' } }] })));
    stream.push(
      Buffer.from(
        frame({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 't1', function: { name: 'f', arguments: '{"a"' } }] } }] }),
      ),
    );
    expect(stream.safeToResume).toBe(false);
    const progress = stream.progress();
    expect(progress.choices[0]).toMatchObject({ text: 'Hello', toolCalls: [{ id: 't1', name: 'f', arguments: '{"a"', complete: false }] });
    stream.push(Buffer.from(frame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] })));
    expect(stream.safeToResume).toBe(true);
    expect(stream.progress().choices[0]?.finishReason).toBe('tool_calls');
    expect(progress.choices[0]?.toolCalls[0]?.complete).toBe(false);
  });

  it('turns upstream data that is not JSON into the client in-band error and then writes nothing', () => {
    const state = translateRequest('anthropic', 'openai', {
      model: 'gpt',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    }).state;
    const stream = createStreamTranslator(state);
    const out = Buffer.concat(stream.push(Buffer.from('data: {not json\n\n'))).toString();
    expect(out).toContain('event: error');
    expect(out).toContain('could not be translated');
    expect(stream.end()).toEqual([]);
  });

  it('closes the client stream as soon as the upstream terminal marker arrives', () => {
    const state = translateRequest('openai', 'anthropic', {
      model: 'c',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    }).state;
    const stream = createStreamTranslator(state);
    const message = { id: 'm', type: 'message', role: 'assistant', model: 'c', content: [], usage: { input_tokens: 3, output_tokens: 0 } };
    const out = Buffer.concat(
      stream.push(
        Buffer.from(
          frame({ type: 'message_start', message }, 'message_start') +
            frame({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }, 'message_delta') +
            frame({ type: 'message_stop' }, 'message_stop'),
        ),
      ),
    ).toString();
    expect(stream.done).toBe(true);
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(out).not.toContain('"usage"');
    expect(stream.end()).toEqual([]);
  });

  it('continues one client stream from another upstream: one opening, numbered tool calls, one end', () => {
    const state = translateRequest('openai', 'anthropic', { model: 'c', messages: [{ role: 'user', content: 'hi' }], stream: true }).state;
    const stream = createStreamTranslator(state);
    const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'c', content: [], usage: { input_tokens: 3, output_tokens: 0 } };
    const first = [
      frame({ type: 'message_start', message }, 'message_start'),
      frame({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't1', name: 'f', input: {} } }, 'content_block_start'),
      frame({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{}' } }, 'content_block_delta'),
      frame({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      frame({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }, 'content_block_start'),
      frame({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hel' } }, 'content_block_delta'),
    ];
    const out: Buffer[] = stream.push(Buffer.from(first.join('')));
    expect(stream.safeToResume).toBe(true);
    stream.switchUpstream({ ...state, to: 'gemini' });
    const parts = [{ text: 'lo' }, { functionCall: { name: 'g', args: {} } }];
    out.push(
      ...stream.push(
        Buffer.from(
          frame({
            candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP' }],
            responseId: 'other',
            usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 3 },
          }),
        ),
      ),
    );
    out.push(...stream.end());
    const text = Buffer.concat(out).toString();
    expect(text.match(/"role":"assistant"/g)).toHaveLength(1);
    expect(text.match(/data: \[DONE\]/g)).toHaveLength(1);
    expect(text).not.toContain('"other"');
    expect(text).toContain('"tool_calls":[{"index":1,"id":"call_other_0_0"');
    const progress = stream.progress();
    expect(progress.id).toBe('msg_1');
    expect(progress.choices[0]).toMatchObject({ text: 'Hello', finishReason: 'tool_calls' });
    expect(progress.choices[0]?.toolCalls.map((c) => [c.index, c.name, c.complete])).toEqual([
      [0, 'f', true],
      [1, 'g', true],
    ]);
  });
});
