import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream, type Behavior, type MockUpstream } from '../helpers/upstream.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

/** Anthropic's Messages API through fusebox, with the real @anthropic-ai/sdk as the client. */
describe('anthropic protocol', () => {
  const cleanups = cleanupAfterEach();

  async function setup(alpha: Behavior = { kind: 'ok' }, beta: Behavior = { kind: 'ok' }, crossProtocol = true) {
    const a = await startMockUpstream(() => alpha, 'alpha');
    const b = await startMockUpstream(() => beta, 'beta');
    const o = await startMockUpstream(undefined, 'openai-side');
    cleanups.push(
      () => a.close(),
      () => b.close(),
      () => o.close(),
    );
    const anthropic = (id: string, up: MockUpstream, priority: number) => ({
      id,
      kind: 'anthropic' as const,
      priority,
      models: ['claude-test', 'claude-other'],
      baseUrls: [`${up.origin}/v1`],
      credentials: [{ id: `${id}-key`, apiKey: `sk-ant-${id}-secret` }],
      forwardHeaders: id === 'alpha' ? ['x-trace'] : [],
    });
    const gw: TestGateway = await startTestGateway({
      routing: { crossProtocol },
      backends: [
        anthropic('alpha', a, 0),
        anthropic('beta', b, 1),
        { id: 'oai', models: ['gpt-test'], baseUrls: [o.baseUrl], credentials: [{ apiKey: 'sk-oai' }] },
      ],
    });
    cleanups.push(() => gw.close());
    const origin = gw.url.replace(/\/v1$/, '');
    const client = new Anthropic({ baseURL: origin, apiKey: 'client-key', maxRetries: 0 });
    return { a, b, o, gw, origin, client };
  }

  const ask = { model: 'claude-test', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

  it('round-trips a JSON message with the credential as x-api-key and the version passed through', async () => {
    const { a, o, client } = await setup();
    const headers = { 'anthropic-version': '2099-01-01', 'anthropic-beta': 'tools-2024', 'x-trace': 't1', 'x-other': 'dropped' };
    const reply = await client.messages.create(ask, { headers });
    expect(reply.content[0]).toMatchObject({ type: 'text', text: 'hello from alpha' });
    expect(a.requests).toHaveLength(1);
    expect(o.requests).toHaveLength(0);
    const sent = a.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-alpha-secret');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['anthropic-version']).toBe('2099-01-01');
    expect(sent.headers['anthropic-beta']).toBe('tools-2024');
    expect(sent.headers['x-trace']).toBe('t1');
    expect(sent.headers['x-other']).toBeUndefined();
    expect(JSON.stringify(sent.headers)).not.toContain('client-key');
  });

  it('defaults anthropic-version when the client sends none', async () => {
    const { a, origin } = await setup();
    const res = await fetch(`${origin}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask) });
    expect(res.status).toBe(200);
    expect(a.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('streams Anthropic events chunk by chunk', async () => {
    const { client } = await setup({ kind: 'stream', chunks: 4 });
    const stream = await client.messages.create({ ...ask, stream: true });
    const text: string[] = [];
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text.push(event.delta.text);
    }
    expect(text.join('')).toBe('alpha: 1 2 3');
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
  });

  it('fails over before the first event, and ends a broken stream with an Anthropic error event', async () => {
    const { client } = await setup({ kind: 'status', status: 529 }, { kind: 'stream', chunks: 5, resetAfter: 3 });
    const stream = await client.messages.create({ ...ask, stream: true });
    const text: string[] = [];
    const failure = await (async () => {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text.push(event.delta.text);
      }
    })().catch((error: unknown) => error);
    expect(text.join('')).toBe('beta:');
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('fails over on a stream that only pings, then answers in the Anthropic error format when all fail', async () => {
    const pings: Behavior = { kind: 'raw', text: 'event: ping\ndata: {"type":"ping"}\n\n' };
    const { client } = await setup(pings, { kind: 'empty-stream' });
    const failure = await client.messages.create({ ...ask, stream: true }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.InternalServerError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
    expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('answers an unknown model with Anthropic not_found_error and, without crossProtocol, routes only to anthropic backends', async () => {
    const { origin, client } = await setup(undefined, undefined, false);
    const failure = await client.messages.create({ ...ask, model: 'gpt-test' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.NotFoundError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const openai = new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'x', maxRetries: 0 });
    await expect(openai.chat.completions.create({ model: 'claude-test', messages: [] })).rejects.toMatchObject({ status: 404 });
  });

  it('lists anthropic models for Anthropic clients and openai models for OpenAI clients (without crossProtocol)', async () => {
    const { origin, client } = await setup(undefined, undefined, false);
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['claude-test', 'claude-other']);
    const openai = new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'x', maxRetries: 0 });
    const openaiIds: string[] = [];
    for await (const model of openai.models.list()) openaiIds.push(model.id);
    expect(openaiIds).toEqual(['gpt-test']);
  });
});
