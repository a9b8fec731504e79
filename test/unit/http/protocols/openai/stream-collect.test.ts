import { describe, expect, it } from 'vitest';
import { UpstreamBodyError } from '../../../../../src/shared/body-error.js';
import { CompletionCollector } from '../../../../../src/http/protocols/openai/stream-collect.js';

const frame = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const base = { id: 'c1', object: 'chat.completion.chunk', created: 7, model: 'm' };

describe('CompletionCollector', () => {
  it('merges content, tool calls and usage into one chat completion', () => {
    const collector = new CompletionCollector();
    const text = [
      frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] }),
      frame({ ...base, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] }),
      frame({
        ...base,
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'get', arguments: '{"a"' } }] } }],
      }),
      frame({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: 'tool_calls' }] }),
      frame({ ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
      'data: [DONE]\n\n',
    ].join('');
    // Fed in awkward pieces, including a split multi-byte character.
    const bytes = Buffer.from(text.replace('Hel', 'Hé'));
    for (let i = 0; i < bytes.length; i += 7) collector.push(bytes.subarray(i, i + 7));
    expect(JSON.parse(collector.result().toString())).toEqual({
      id: 'c1',
      object: 'chat.completion',
      created: 7,
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hélo',
            refusal: null,
            tool_calls: [{ id: 't1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
  });

  it('collects text completions', () => {
    const collector = new CompletionCollector();
    collector.push(
      Buffer.from(frame({ id: 't', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: 'a', finish_reason: null }] })),
    );
    collector.push(
      Buffer.from(frame({ id: 't', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: 'b', finish_reason: 'stop' }] })),
    );
    expect(JSON.parse(collector.result().toString())).toMatchObject({ object: 'text_completion', choices: [{ text: 'ab', finish_reason: 'stop' }] });
  });

  it('refuses error events, malformed JSON and streams without a chunk', () => {
    expect(() => new CompletionCollector().push(Buffer.from('data: {"error":{"message":"x"}}\n\n'))).toThrow(UpstreamBodyError);
    expect(() => new CompletionCollector().push(Buffer.from('data: {nope\n\n'))).toThrow(/not valid JSON/);
    const empty = new CompletionCollector();
    empty.push(Buffer.from('data: [DONE]\n\n'));
    expect(() => empty.result()).toThrow(/no completion chunk/);
  });
});
