import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { openAiPage, startListingUpstream } from '../helpers/listing-upstream.js';

/** `modelAliases`: the client's model name → the upstream's, on every request to that backend, proven by what the upstream received. */
describe('model aliases', () => {
  const cleanups = cleanupAfterEach();
  const hi = [{ role: 'user' as const, content: 'hi' }];

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

  it('rewrites the body’s model on the pass-through, streamed or not, and lists the alias instead of the upstream’s name', async () => {
    const up = await startListingUpstream('router', { '/v1/models': openAiPage('openai/gpt-4o', 'openai/gpt-4o-mini') }, cleanups);
    const { openai, gw } = await gateway({
      backends: [
        {
          id: 'router',
          models: ['openai/*'],
          modelAliases: { 'gpt-4o': 'openai/gpt-4o' },
          baseUrls: [up.up.baseUrl],
          credentials: [{ apiKey: 'sk-router-secret' }],
        },
      ],
    });
    await openai.chat.completions.create({ model: 'gpt-4o', messages: hi });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: hi, stream: true });
    for await (const chunk of stream) expect(chunk.object).toBe('chat.completion.chunk');
    await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: hi });
    const sent = up.up.requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body) as { model: string; messages: unknown });
    expect(sent.map((body) => body.model)).toEqual(['openai/gpt-4o', 'openai/gpt-4o', 'openai/gpt-4o-mini']);
    expect(sent[0]!.messages).toEqual(hi);
    const ids = (await openai.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(['gpt-4o', 'openai/gpt-4o-mini']);
    expect(await openai.models.retrieve('gpt-4o')).toMatchObject({ id: 'gpt-4o', owned_by: 'router' });
    expect(await openai.models.retrieve('openai/gpt-4o-mini')).toMatchObject({ id: 'openai/gpt-4o-mini', owned_by: 'router' });
    await expect(openai.models.retrieve('openai/gpt-4o')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const line = gw.logs.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ model: 'gpt-4o', attempts: [{ backend: 'router', model: 'openai/gpt-4o' }] });
  });

  it('applies each backend’s own alias, and serves an alias its models globs do not match', async () => {
    const a = await startListingUpstream('a', {}, cleanups);
    const b = await startListingUpstream('b', {}, cleanups);
    a.up.script = () => ({ kind: 'status', status: 503 });
    const { openai } = await gateway({
      backends: [
        {
          id: 'azure',
          priority: 0,
          models: ['gpt-*'],
          modelAliases: { fast: 'my-deployment' },
          baseUrls: [a.up.baseUrl],
          credentials: [{ apiKey: 'sk-a' }],
        },
        {
          id: 'other',
          priority: 1,
          models: ['fast'],
          modelAliases: { fast: 'vendor/fast-1' },
          baseUrls: [b.up.baseUrl],
          credentials: [{ apiKey: 'sk-b' }],
        },
      ],
    });
    await openai.chat.completions.create({ model: 'fast', messages: hi });
    expect((JSON.parse(a.up.requests[0]!.body) as { model: string }).model).toBe('my-deployment');
    expect((JSON.parse(b.up.requests[0]!.body) as { model: string }).model).toBe('vendor/fast-1');
  });

  it('rewrites the path of a Gemini pass-through and the model of a translated request', async () => {
    const gem = await startListingUpstream('gem', {}, cleanups);
    const oai = await startListingUpstream('oai', {}, cleanups);
    const { origin, anthropic } = await gateway({
      backends: [
        {
          id: 'gem',
          kind: 'gemini',
          models: ['gemini-*'],
          modelAliases: { 'gem-fast': 'gemini-2.0-flash-001' },
          baseUrls: [`${gem.up.origin}/v1beta`],
          credentials: [{ apiKey: 'AIza-gem' }],
        },
        {
          id: 'oai',
          models: ['gpt-*'],
          modelAliases: { 'claude-like': 'gpt-4o-mini' },
          baseUrls: [oai.up.baseUrl],
          credentials: [{ apiKey: 'sk-oai' }],
        },
      ],
    });
    const res = await fetch(`${origin}/v1beta/models/gem-fast:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(res.status).toBe(200);
    expect(gem.up.requests[0]!.path).toBe('/v1beta/models/gemini-2.0-flash-001:generateContent');
    const reply = await anthropic.messages.create({ model: 'claude-like', max_tokens: 16, messages: hi });
    expect(reply.content[0]).toMatchObject({ type: 'text' });
    expect((JSON.parse(oai.up.requests[0]!.body) as { model: string }).model).toBe('gpt-4o-mini');
  });
});
