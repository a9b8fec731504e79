import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

/** The `openai` SDK served by an Anthropic-kind and a Gemini-kind backend, translated both ways. */
describe('translation: OpenAI client, Anthropic and Gemini backends', () => {
  const cleanups = cleanupAfterEach();

  async function setup(defaultMaxTokens?: number) {
    const ant = await startMockUpstream(undefined, 'claude');
    const gem = await startMockUpstream(undefined, 'gemini');
    cleanups.push(
      () => ant.close(),
      () => gem.close(),
    );
    const gw = await startTestGateway({
      backends: [
        {
          id: 'ant',
          kind: 'anthropic',
          models: ['claude-test'],
          baseUrls: [`${ant.origin}/v1`],
          credentials: [{ apiKey: 'sk-ant-secret' }],
          ...(defaultMaxTokens ? { defaultMaxTokens } : {}),
        },
        { id: 'gem', kind: 'gemini', models: ['gemini-test'], baseUrls: [`${gem.origin}/v1beta`], credentials: [{ apiKey: 'AIza-gem-secret' }] },
      ],
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    return { ant, gem, gw, client };
  }

  const sentBody = (up: MockUpstream, index = 0) => JSON.parse(up.requests[index]!.body) as Record<string, unknown>;

  it('answers JSON from an Anthropic backend, translated, with the header naming the translation', async () => {
    const { ant, client } = await setup(512);
    const { data, response } = await client.chat.completions
      .create({
        model: 'claude-test',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
        ],
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('hello from claude');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(response.headers.get('x-fusebox-translated')).toBe('openai->anthropic');
    const sent = ant.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-secret');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sentBody(ant)).toMatchObject({ model: 'claude-test', max_tokens: 512, system: [{ type: 'text', text: 'be brief' }] });
  });

  it('streams from a Gemini backend as OpenAI chunks ending with [DONE]', async () => {
    const { gem, client } = await setup();
    gem.script = () => ({ kind: 'stream', chunks: 3 });
    const stream = await client.chat.completions.create({ model: 'gemini-test', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const text: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      text.push(chunk.choices[0]?.delta.content ?? '');
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text.join('')).toBe('gemini: 1 2');
    expect(finish).toBe('stop');
    expect(gem.requests[0]!.path).toBe('/v1beta/models/gemini-test:streamGenerateContent?alt=sse');
    expect(gem.requests[0]!.headers['x-goog-api-key']).toBe('AIza-gem-secret');
  });

  it('streams from an Anthropic backend', async () => {
    const { ant, client } = await setup();
    ant.script = () => ({ kind: 'stream', chunks: 4 });
    const stream = await client.chat.completions.create({ model: 'claude-test', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const text: string[] = [];
    for await (const chunk of stream) text.push(chunk.choices[0]?.delta.content ?? '');
    expect(text.join('')).toBe('claude: 1 2 3');
    expect(sentBody(ant)).toMatchObject({ stream: true, max_tokens: 4096 });
  });

  it('translates tool calls (JSON from Anthropic, a stream from Anthropic) and tool results', async () => {
    const { ant, client } = await setup();
    const toolUse = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 10, output_tokens: 5 },
    };
    ant.script = (_req, index) =>
      index === 0 ? { kind: 'raw', contentType: 'application/json', text: JSON.stringify(toolUse) } : { kind: 'stream', chunks: 2 };
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    const first = await client.chat.completions.create({ model: 'claude-test', tools, messages: [{ role: 'user', content: 'weather?' }] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ id: 'toolu_1', type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toEqual({ city: 'Paris' });
    expect(sentBody(ant).tools).toEqual([{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }]);

    const stream = await client.chat.completions.create({
      model: 'claude-test',
      stream: true,
      tools,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      ],
    });
    const text: string[] = [];
    for await (const chunk of stream) text.push(chunk.choices[0]?.delta.content ?? '');
    expect(text.join('')).toBe('claude: 1');
    const messages = sentBody(ant, 1).messages as { role: string; content: { type: string }[] }[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[1]!.content[0]).toMatchObject({ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } });
    expect(messages[2]!.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1' });
  });

  it('routes streamed tool-call deltas from Anthropic to OpenAI tool_calls chunks', async () => {
    const { ant, client } = await setup();
    const frames = [
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id: 'msg_2',
            type: 'message',
            role: 'assistant',
            model: 'claude-test',
            content: [],
            usage: { input_tokens: 3, output_tokens: 1 },
          },
        },
      ],
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: {} } },
      ],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '"Oslo"}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } }],
      ['message_stop', { type: 'message_stop' }],
    ] as const;
    ant.script = () => ({ kind: 'raw', text: frames.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('') });
    const stream = await client.chat.completions.create({ model: 'claude-test', stream: true, messages: [{ role: 'user', content: 'weather?' }] });
    let args = '';
    let name = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.tool_calls?.[0];
      args += delta?.function?.arguments ?? '';
      name = delta?.function?.name ?? name;
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Oslo' });
    expect(finish).toBe('tool_calls');
  });

  it('sends images to Gemini as inlineData and tool calls from Gemini back as OpenAI tool_calls', async () => {
    const { gem, client } = await setup();
    const answer = {
      candidates: [
        { content: { role: 'model', parts: [{ functionCall: { name: 'describe', args: { what: 'cat' } } }] }, finishReason: 'STOP', index: 0 },
      ],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
      modelVersion: 'gemini-test',
    };
    gem.script = () => ({ kind: 'raw', contentType: 'application/json', text: JSON.stringify(answer) });
    const reply = await client.chat.completions.create({
      model: 'gemini-test',
      tools: [
        {
          type: 'function',
          function: { name: 'describe', parameters: { type: 'object', additionalProperties: false, properties: { what: { type: 'string' } } } },
        },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(reply.choices[0]!.finish_reason).toBe('tool_calls');
    expect(reply.choices[0]!.message.tool_calls![0]).toMatchObject({ type: 'function', function: { name: 'describe', arguments: '{"what":"cat"}' } });
    expect(reply.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(gem.requests[0]!.path).toBe('/v1beta/models/gemini-test:generateContent');
    const sent = sentBody(gem) as { contents: { parts: unknown[] }[]; tools: { functionDeclarations: { parameters: unknown }[] }[] };
    expect(sent.contents[0]!.parts).toEqual([{ text: 'what is this?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }]);
    expect(sent.tools[0]!.functionDeclarations[0]!.parameters).toEqual({ type: 'object', properties: { what: { type: 'string' } } });
  });
});
