import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { Behavior, MockUpstream } from '../helpers/upstream.js';
import { credentialOf } from '../../src/machines/breaker.js';
import type { TestGateway } from '../helpers/gateway.js';
import { testRig } from '../helpers/rig.js';

/** A 4xx saying the request exceeds the model's context goes to a larger-context pool, once; content-policy 4xx never do. */
describe('routing: context fallback through fusebox', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const contextExceeded = (model = 'gpt-small'): Behavior => ({
    kind: 'status',
    status: 400,
    body: {
      error: {
        message: `This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens. (${model})`,
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    },
  });

  const pools = {
    small: { match: ['gpt-small'], contextFallback: 'large', contextMapModels: { 'gpt-small': 'gpt-large' } },
    large: { match: ['gpt-large'] },
  };

  async function smallAndLarge(small: Behavior, large: Behavior = { kind: 'ok' }, withFallback = true) {
    const [s, l] = [await upstream('small'), await upstream('large')];
    s.script = () => small;
    l.script = () => large;
    const { gw, client } = await gateway({
      modelPools: withFallback ? pools : { small: { match: ['gpt-small'] }, large: { match: ['gpt-large'] } },
      backends: [
        { id: 's', models: ['gpt-small'], baseUrls: [s.baseUrl], credentials: [{ id: 's-key', apiKey: 'sk-s' }], breaker: { failureThreshold: 1 } },
        { id: 'l', models: ['gpt-large'], priority: 1, baseUrls: [l.baseUrl], credentials: [{ id: 'l-key', apiKey: 'sk-l' }] },
      ],
    });
    return { s, l, gw, client };
  }

  const ask = (client: OpenAI) =>
    client.chat.completions.create({ model: 'gpt-small', messages: [{ role: 'user', content: 'a very long prompt' }] }).withResponse();

  /** The small backend's actors saw neither a success nor a failure. */
  function untouched(gw: TestGateway) {
    const actors = gw.gateway.actors;
    for (const id of ['backend:s', 'baseurl:s:0', 'pool:s:small']) {
      const view = actors.view(id);
      expect(view.state).toBe('closed');
      expect(view.context.health).toMatchObject({ recent: [], consecutiveFailures: 0, lastErrors: [] });
    }
    expect(credentialOf(actors.view('pool:s:small').context, 's-key')).toMatchObject({ cooldownUntil: null, disabled: null });
    expect(credentialOf(actors.view('pool:s:small').context, 's-key')?.health.recent).toEqual([]);
  }

  it('sends a context_length_exceeded request to the context fallback with the mapped model, blaming nobody', async () => {
    const { s, l, gw, client } = await smallAndLarge(contextExceeded());
    for (let i = 0; i < 3; i++) {
      const { data, response } = await ask(client);
      expect(data.choices[0]?.message.content).toBe('hello from large');
      expect(response.headers.get('x-fusebox-fallback')).toBe('small->large');
      expect(response.headers.get('x-fusebox-backend')).toBe('l');
    }
    // failureThreshold 1, and still closed and asked every time: the context error counted for nothing
    expect(s.requests).toHaveLength(3);
    expect(JSON.parse(l.requests[0]!.body)).toMatchObject({ model: 'gpt-large', messages: [{ role: 'user', content: 'a very long prompt' }] });
    untouched(gw);
    const line = gw.logs.find((entry) => entry.msg === 'request') as { attempts: { backend: string; outcome: string }[] };
    expect(line.attempts.map((a) => `${a.backend}:${a.outcome}`)).toEqual(['s:context_length_exceeded', 'l:success']);
  });

  it('routes a streamed request the same way: the context fallback streams the answer', async () => {
    const { s, l, client } = await smallAndLarge(contextExceeded(), { kind: 'stream', chunks: 3 });
    const stream = await client.chat.completions.create({ model: 'gpt-small', stream: true, messages: [{ role: 'user', content: 'long' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('large: 1 2');
    expect(s.requests).toHaveLength(1);
    expect(JSON.parse(l.requests[0]!.body)).toMatchObject({ model: 'gpt-large', stream: true });
  });

  it('tries the context fallback once: a second context error goes back to the client as the upstream sent it', async () => {
    const { s, l, client } = await smallAndLarge(contextExceeded(), contextExceeded('gpt-large'));
    const error = (await ask(client).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('context_length_exceeded');
    expect(error.message).toContain('(gpt-large)');
    expect(s.requests).toHaveLength(1);
    expect(l.requests).toHaveLength(1);
  });

  it('answers the first context error when the context fallback has no route that answers', async () => {
    const { s, l, client } = await smallAndLarge(contextExceeded(), { kind: 'status', status: 503 });
    const error = (await ask(client).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.code).toBe('context_length_exceeded');
    expect(error.message).toContain('(gpt-small)');
    expect(s.requests).toHaveLength(1);
    expect(l.requests.length).toBeGreaterThanOrEqual(1);
  });

  it('without a context fallback, answers the upstream 400 exactly as it came', async () => {
    const { s, l, client } = await smallAndLarge(contextExceeded(), { kind: 'ok' }, false);
    const raw = await client.chat.completions
      .create({ model: 'gpt-small', messages: [{ role: 'user', content: 'x' }] })
      .asResponse()
      .catch((e: unknown) => e);
    expect(raw).toBeInstanceOf(OpenAI.APIError);
    expect((raw as InstanceType<typeof OpenAI.APIError>).error).toEqual((contextExceeded() as { body: { error: unknown } }).body.error);
    expect(s.requests).toHaveLength(1);
    expect(l.requests).toHaveLength(0);
  });

  it.each([
    [
      'content_policy_violation',
      { message: 'Your request was rejected as a result of our safety system.', type: 'invalid_request_error', code: 'content_policy_violation' },
    ],
    [
      'content_filter (Azure)',
      {
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. This model's maximum context length is not the issue.",
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
        innererror: { code: 'ResponsibleAIPolicyViolation' },
      },
    ],
  ])('never retries or routes around a content-policy rejection: %s', async (_name, body) => {
    const { s, l, gw, client } = await smallAndLarge({ kind: 'status', status: 400, body: { error: body } });
    const error = (await ask(client).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.code).toBe(body.code);
    expect(s.requests).toHaveLength(1);
    expect(l.requests).toHaveLength(0);
    untouched(gw);
  });
});

describe('routing: context fallback for the Anthropic and Gemini protocols', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const anthropicPools = {
    sonnet: { match: ['claude-sonnet'], contextFallback: 'long', contextMapModels: { 'claude-*': 'claude-sonnet-1m' } },
    long: { match: ['claude-sonnet-1m'] },
  };

  async function anthropicPair(first: Behavior) {
    const [a, b] = [await upstream('sonnet'), await upstream('long')];
    a.script = () => first;
    const backend = (id: string, m: MockUpstream, models: string[], priority: number) => ({
      id,
      kind: 'anthropic' as const,
      priority,
      models,
      baseUrls: [`${m.origin}/v1`],
      credentials: [{ id: `${id}-key`, apiKey: `sk-ant-${id}` }],
    });
    const { gw } = await gateway({
      modelPools: anthropicPools,
      backends: [backend('a', a, ['claude-sonnet'], 0), backend('b', b, ['claude-sonnet-1m'], 1)],
    });
    const client = new Anthropic({ baseURL: gw.url.replace(/\/v1$/, ''), apiKey: 'client-key', maxRetries: 0 });
    const ask = () => client.messages.create({ model: 'claude-sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'long' }] });
    return { a, b, gw, ask };
  }

  const anthropicError = (message: string): Behavior => ({
    kind: 'status',
    status: 400,
    body: { type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_1' },
  });

  it.each([
    'prompt is too long: 250000 tokens > 200000 maximum',
    'input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and try again',
  ])('anthropic: "%s" goes to the context fallback', async (message) => {
    const { a, b, gw, ask } = await anthropicPair(anthropicError(message));
    const reply = await ask();
    expect(reply.content[0]).toMatchObject({ type: 'text', text: 'hello from long' });
    expect(a.requests).toHaveLength(1);
    expect(JSON.parse(b.requests[0]!.body)).toMatchObject({ model: 'claude-sonnet-1m' });
    expect(gw.gateway.actors.view('backend:a').context.health.consecutiveFailures).toBe(0);
    expect(gw.gateway.actors.view('backend:a').context.health.recent).toEqual([]);
  });

  it('anthropic: a content-filtering 400 stays the answer', async () => {
    const { a, b, ask } = await anthropicPair(anthropicError('Output blocked by content filtering policy'));
    const error = (await ask().catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error.status).toBe(400);
    expect(error.message).toContain('content filtering policy');
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });

  it('gemini: "input token count exceeds the maximum" goes to the context fallback, path model rewritten', async () => {
    const [g, h] = [await upstream('flash'), await upstream('pro')];
    g.script = () => ({
      kind: 'status',
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).',
          status: 'INVALID_ARGUMENT',
        },
      },
    });
    const backend = (id: string, m: MockUpstream, model: string, priority: number) => ({
      id,
      kind: 'gemini' as const,
      priority,
      models: [model],
      baseUrls: [`${m.origin}/v1beta`],
      credentials: [{ id: `${id}-key`, apiKey: `AIza-${id}` }],
    });
    const { gw } = await gateway({
      modelPools: {
        flash: { match: ['gemini-flash'], contextFallback: 'pro', contextMapModels: { 'gemini-flash': 'gemini-pro' } },
        pro: { match: ['gemini-pro'] },
      },
      backends: [backend('g', g, 'gemini-flash', 0), backend('h', h, 'gemini-pro', 1)],
    });
    const res = await fetch(`${gw.url.replace(/\/v1$/, '')}/v1beta/models/gemini-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'client-key' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'long' }] }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fusebox-fallback')).toBe('flash->pro');
    const body = (await res.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    expect(body.candidates[0]?.content.parts[0]?.text).toBe('hello from pro');
    expect(g.requests).toHaveLength(1);
    expect(h.requests[0]!.path).toBe('/v1beta/models/gemini-pro:generateContent');
    expect(gw.gateway.actors.view('backend:g').context.health.recent).toEqual([]);
  });
});
