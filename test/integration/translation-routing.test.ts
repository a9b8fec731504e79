import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { capacityExhausted } from '../helpers/capacity.js';
import { upstreamPerKind, type MockUpstream } from '../helpers/upstream.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

/** Routing across kinds: failover, capacity fallback, preference, opt-outs, refusals, listings, and the untouched same-kind path. */
describe('translation: routing across kinds', () => {
  const cleanups = cleanupAfterEach();

  async function upstreams() {
    const { oai, ant, gem } = await upstreamPerKind(cleanups);
    return { oai, ant, gem };
  }

  type Extra = Record<string, unknown>;
  const backends = (
    up: { oai: MockUpstream; ant: MockUpstream; gem: MockUpstream },
    models: string[],
    extra: { oai?: Extra; ant?: Extra; gem?: Extra } = {},
  ) => [
    { id: 'oai', models, baseUrls: [up.oai.baseUrl], credentials: [{ apiKey: 'sk-oai-secret' }], ...extra.oai },
    { id: 'ant', kind: 'anthropic' as const, models, baseUrls: [`${up.ant.origin}/v1`], credentials: [{ apiKey: 'sk-ant-secret' }], ...extra.ant },
    { id: 'gem', kind: 'gemini' as const, models, baseUrls: [`${up.gem.origin}/v1beta`], credentials: [{ apiKey: 'AIza-secret' }], ...extra.gem },
  ];

  async function gateway(input: Omit<ConfigInput, 'server'>) {
    const gw = await startTestGateway(input);
    cleanups.push(() => gw.close());
    const origin = gw.url.replace(/\/v1$/, '');
    return {
      gw,
      origin,
      openai: new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }),
      anthropic: new Anthropic({ baseURL: origin, apiKey: 'client-key', maxRetries: 0 }),
    };
  }

  const hi = [{ role: 'user' as const, content: 'hi' }];

  it('fails over from an OpenAI backend answering 503 to an Anthropic backend, JSON and stream', async () => {
    const up = await upstreams();
    up.oai.script = () => ({ kind: 'status', status: 503 });
    const { openai } = await gateway({ backends: backends(up, ['m'], { ant: { priority: 1 }, gem: { priority: 2 } }) });
    const { data, response } = await openai.chat.completions.create({ model: 'm', messages: hi }).withResponse();
    expect(data.choices[0]!.message.content).toBe('hello from claude');
    expect(response.headers.get('x-fusebox-backend')).toBe('ant');
    expect(response.headers.get('x-fusebox-attempts')).toBe('2');
    expect(response.headers.get('x-fusebox-translated')).toBe('openai->anthropic');
    up.ant.script = () => ({ kind: 'stream', chunks: 3 });
    const stream = await openai.chat.completions.create({ model: 'm', stream: true, messages: hi });
    const text: string[] = [];
    for await (const chunk of stream) text.push(chunk.choices[0]?.delta.content ?? '');
    expect(text.join('')).toBe('claude: 1 2');
    expect(up.oai.requests).toHaveLength(2);
    expect(up.gem.requests).toHaveLength(0);
  });

  it('falls back across kinds when a model pool is out of capacity, with mapModels, JSON and stream', async () => {
    const up = await upstreams();
    up.ant.script = () => capacityExhausted('30s');
    const { anthropic } = await gateway({
      modelPools: { claude: { match: ['claude-*'], fallback: 'gem', mapModels: { 'claude-test': 'gemini-test' } }, gem: { match: ['gemini-*'] } },
      backends: [
        { id: 'ant', kind: 'anthropic', models: ['claude-test'], baseUrls: [`${up.ant.origin}/v1`], credentials: [{ apiKey: 'sk-ant-secret' }] },
        { id: 'gem', kind: 'gemini', models: ['gemini-test'], baseUrls: [`${up.gem.origin}/v1beta`], credentials: [{ apiKey: 'AIza-secret' }] },
      ],
    });
    const { data, response } = await anthropic.messages.create({ model: 'claude-test', max_tokens: 32, messages: hi }).withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'hello from gemini' });
    expect(response.headers.get('x-fusebox-fallback')).toBe('claude->gem');
    expect(response.headers.get('x-fusebox-translated')).toBe('anthropic->gemini');
    expect(up.gem.requests[0]!.path).toBe('/v1beta/models/gemini-test:generateContent');
    up.gem.script = () => ({ kind: 'stream', chunks: 3 });
    const stream = await anthropic.messages.create({ model: 'claude-test', max_tokens: 32, messages: hi, stream: true });
    const text: string[] = [];
    for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text.push(event.delta.text);
    expect(text.join('')).toBe('gemini: 1 2');
    expect(up.gem.requests[1]!.path).toBe('/v1beta/models/gemini-test:streamGenerateContent?alt=sse');
  });

  it('prefers a backend of the client kind at equal rank, and skips backends that opt out', async () => {
    const up = await upstreams();
    const { openai, anthropic } = await gateway({ backends: backends(up, ['m'], { gem: { acceptTranslated: false } }) });
    const viaOpenAi = await openai.chat.completions.create({ model: 'm', messages: hi }).withResponse();
    expect(viaOpenAi.response.headers.get('x-fusebox-backend')).toBe('oai');
    expect(viaOpenAi.response.headers.get('x-fusebox-translated')).toBeNull();
    const viaAnthropic = await anthropic.messages.create({ model: 'm', max_tokens: 8, messages: hi }).withResponse();
    expect(viaAnthropic.response.headers.get('x-fusebox-backend')).toBe('ant');
    up.oai.script = () => ({ kind: 'status', status: 503 });
    up.ant.script = () => ({ kind: 'status', status: 503 });
    await expect(openai.chat.completions.create({ model: 'm', messages: hi })).rejects.toMatchObject({ status: 502 });
    expect(up.gem.requests).toHaveLength(0);
  });

  it('keeps same-protocol answers byte-identical: request body (but for include_usage), JSON body and stream bytes', async () => {
    const up = await upstreams();
    const odd =
      '{ "id":"x",  "object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"é ✓"},"finish_reason":"stop"}] }\n';
    up.oai.script = (_req, index) =>
      index === 0
        ? { kind: 'raw', contentType: 'application/json', text: odd }
        : { kind: 'raw', text: 'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n: c\n\ndata: [DONE]\n\n' };
    const { gw } = await gateway({ backends: backends(up, ['m']) });
    const body = '{"model":"m",   "messages":[{"role":"user","content":"hi"}]}';
    const res = await fetch(`${gw.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(await res.text()).toBe(odd);
    expect(res.headers.get('x-fusebox-translated')).toBeNull();
    expect(up.oai.requests[0]!.body).toBe(body);
    const streamBody = '{"model":"m","stream":true,"messages":[]}';
    const streamed = await fetch(`${gw.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: streamBody });
    expect(await streamed.text()).toBe('data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n: c\n\ndata: [DONE]\n\n');
    // The one change: fusebox asks the stream for its usage report (docs/usage.md); every other byte is the client's.
    expect(up.oai.requests[1]!.body).toBe(`{"stream_options":{"include_usage":true},${streamBody.slice(1)}`);
  });

  it('refuses what the target cannot express with a 400 in the client format, before calling any upstream', async () => {
    const up = await upstreams();
    const { openai, anthropic } = await gateway({
      backends: [
        { id: 'ant', kind: 'anthropic', models: ['claude-test'], baseUrls: [`${up.ant.origin}/v1`], credentials: [{ apiKey: 'sk-ant-secret' }] },
        { id: 'gem', kind: 'gemini', models: ['gemini-test'], baseUrls: [`${up.gem.origin}/v1beta`], credentials: [{ apiKey: 'AIza-secret' }] },
      ],
    });
    const failure = await openai.chat.completions.create({ model: 'claude-test', n: 2, messages: hi }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'translation_unsupported', type: 'invalid_request_error' });
    expect((failure as InstanceType<typeof OpenAI.APIError>).message).toContain('n');
    const image = { type: 'image' as const, source: { type: 'url' as const, url: 'https://example.com/cat.png' } };
    const refused = await anthropic.messages
      .create({ model: 'gemini-test', max_tokens: 8, messages: [{ role: 'user', content: [image] }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(up.ant.requests).toHaveLength(0);
    expect(up.gem.requests).toHaveLength(0);
  });

  it("answers an upstream's 4xx in the client's error format, keeping status and message", async () => {
    const up = await upstreams();
    up.ant.script = () => ({
      kind: 'status',
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is bad' } },
    });
    const { openai } = await gateway({
      backends: [
        { id: 'ant', kind: 'anthropic', models: ['claude-test'], baseUrls: [`${up.ant.origin}/v1`], credentials: [{ apiKey: 'sk-ant-secret' }] },
      ],
    });
    const failure = await openai.chat.completions.create({ model: 'claude-test', messages: hi }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ message: 'prompt is bad', type: 'invalid_request_error' });
  });

  it('lists models of other kinds per protocol; crossProtocol off keeps listings and routing per kind', async () => {
    const up = await upstreams();
    const models = (id: string) => ({ models: [id] });
    const input = (crossProtocol: boolean) => ({
      routing: { crossProtocol },
      backends: backends(up, ['x'], {
        oai: models('gpt-test'),
        ant: models('claude-test'),
        gem: { ...models('gemini-test'), acceptTranslated: false },
      }),
    });
    const on = await gateway(input(true));
    const ids: string[] = [];
    for await (const model of on.openai.models.list()) ids.push(model.id);
    expect(ids).toEqual(['gpt-test', 'claude-test']);
    const gemini = (await (await fetch(`${on.origin}/v1beta/models`)).json()) as { models: { name: string }[] };
    expect(gemini.models.map((m) => m.name)).toEqual(['models/gpt-test', 'models/claude-test', 'models/gemini-test']);
    await expect(on.openai.embeddings.create({ model: 'claude-test', input: 'x' })).rejects.toMatchObject({ status: 404 });
    const off = await gateway(input(false));
    const offIds: string[] = [];
    for await (const model of off.openai.models.list()) offIds.push(model.id);
    expect(offIds).toEqual(['gpt-test']);
    await expect(off.openai.chat.completions.create({ model: 'claude-test', messages: hi })).rejects.toMatchObject({ status: 404 });
  });

  it('collects a streamOnly OpenAI backend for a non-streamed Anthropic client, then translates the answer', async () => {
    const up = await upstreams();
    up.oai.script = () => ({ kind: 'stream', chunks: 3 });
    const { anthropic } = await gateway({
      backends: [{ id: 'oai', models: ['gpt-test'], streamOnly: true, baseUrls: [up.oai.baseUrl], credentials: [{ apiKey: 'sk-oai-secret' }] }],
    });
    const reply = await anthropic.messages.create({ model: 'gpt-test', max_tokens: 8, messages: hi });
    expect(reply.content[0]).toMatchObject({ type: 'text', text: 'gpt: 1 2' });
    expect(JSON.parse(up.oai.requests[0]!.body)).toMatchObject({ stream: true });
  });
});
