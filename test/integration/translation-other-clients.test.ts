import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { upstreamPerKind, type MockUpstream } from '../helpers/upstream.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

/** `@anthropic-ai/sdk` against OpenAI- and Gemini-kind backends; `@google/genai` against OpenAI- and Anthropic-kind backends. */
describe('translation: Anthropic and Gemini clients', () => {
  const cleanups = cleanupAfterEach();

  async function setup() {
    const { oai, ant, gem } = await upstreamPerKind(cleanups);
    const gw = await startTestGateway({
      backends: [
        { id: 'oai', models: ['gpt-test'], baseUrls: [oai.baseUrl], credentials: [{ apiKey: 'sk-oai-secret' }] },
        { id: 'ant', kind: 'anthropic', models: ['claude-test'], baseUrls: [`${ant.origin}/v1`], credentials: [{ apiKey: 'sk-ant-secret' }] },
        { id: 'gem', kind: 'gemini', models: ['gemini-test'], baseUrls: [`${gem.origin}/v1beta`], credentials: [{ apiKey: 'AIza-gem-secret' }] },
      ],
    });
    cleanups.push(() => gw.close());
    const origin = gw.url.replace(/\/v1$/, '');
    const anthropic = new Anthropic({ baseURL: origin, apiKey: 'client-key', maxRetries: 0 });
    const google = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: origin, apiVersion: 'v1beta' } });
    return { oai, ant, gem, gw, origin, anthropic, google };
  }

  const sentBody = (up: MockUpstream, index = 0) => JSON.parse(up.requests[index]!.body) as Record<string, unknown>;
  const ask = { max_tokens: 64, system: 'be brief', messages: [{ role: 'user' as const, content: 'hi' }] };

  it('Anthropic SDK → OpenAI backend: JSON, without the Anthropic headers upstream', async () => {
    const { oai, anthropic } = await setup();
    const { data, response } = await anthropic.messages.create({ ...ask, model: 'gpt-test' }, { headers: { 'anthropic-beta': 'x' } }).withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'hello from gpt' });
    expect(data.stop_reason).toBe('end_turn');
    expect(response.headers.get('x-fusebox-translated')).toBe('anthropic->openai');
    const sent = oai.requests[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-oai-secret');
    expect(sent.headers['anthropic-version']).toBeUndefined();
    expect(sent.headers['anthropic-beta']).toBeUndefined();
    expect(sent.headers['x-api-key']).toBeUndefined();
    expect(sentBody(oai)).toMatchObject({
      model: 'gpt-test',
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  it('Anthropic SDK → OpenAI backend: a stream of Anthropic events ending with message_stop', async () => {
    const { oai, anthropic } = await setup();
    oai.script = () => ({ kind: 'stream', chunks: 3 });
    const stream = await anthropic.messages.create({ ...ask, model: 'gpt-test', stream: true });
    const text: string[] = [];
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text.push(event.delta.text);
    }
    expect(text.join('')).toBe('gpt: 1 2');
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
  });

  it('Anthropic SDK → Gemini backend: JSON and a stream', async () => {
    const { gem, anthropic } = await setup();
    const reply = await anthropic.messages.create({ ...ask, model: 'gemini-test' });
    expect(reply.content[0]).toMatchObject({ type: 'text', text: 'hello from gemini' });
    expect(sentBody(gem)).toMatchObject({ systemInstruction: { parts: [{ text: 'be brief' }] }, generationConfig: { maxOutputTokens: 64 } });
    gem.script = () => ({ kind: 'stream', chunks: 3 });
    const stream = await anthropic.messages.create({ ...ask, model: 'gemini-test', stream: true });
    const text: string[] = [];
    for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text.push(event.delta.text);
    expect(text.join('')).toBe('gemini: 1 2');
    expect(gem.requests[1]!.path).toBe('/v1beta/models/gemini-test:streamGenerateContent?alt=sse');
  });

  it('Gemini SDK → OpenAI backend: generateContent and generateContentStream', async () => {
    const { oai, google } = await setup();
    const reply = await google.models.generateContent({ model: 'gpt-test', contents: 'hi', config: { systemInstruction: 'be brief' } });
    expect(reply.text).toBe('hello from gpt');
    expect(sentBody(oai)).toMatchObject({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(oai.requests[0]!.headers['x-goog-api-client']).toBeUndefined();
    oai.script = () => ({ kind: 'stream', chunks: 3 });
    const text: string[] = [];
    for await (const chunk of await google.models.generateContentStream({ model: 'gpt-test', contents: 'hi' })) text.push(chunk.text ?? '');
    expect(text.join('')).toBe('gpt: 1 2');
    expect(sentBody(oai, 1)).toMatchObject({ stream: true });
  });

  it('Gemini SDK → Anthropic backend: generateContent and generateContentStream', async () => {
    const { ant, google } = await setup();
    const reply = await google.models.generateContent({ model: 'claude-test', contents: 'hi' });
    expect(reply.text).toBe('hello from claude');
    expect(ant.requests[0]!.path).toBe('/v1/messages');
    expect(sentBody(ant)).toMatchObject({ model: 'claude-test', max_tokens: 4096 });
    ant.script = () => ({ kind: 'stream', chunks: 4 });
    const text: string[] = [];
    for await (const chunk of await google.models.generateContentStream({ model: 'claude-test', contents: 'hi' })) text.push(chunk.text ?? '');
    expect(text.join('')).toBe('claude: 1 2 3');
  });
});
