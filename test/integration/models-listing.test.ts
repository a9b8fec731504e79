import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { openAiPage, startListingUpstream } from '../helpers/listing-upstream.js';

/** GET /v1/models (and the Anthropic and Gemini listings) from the upstreams' own listings, through the real SDKs. */
describe('model listings', () => {
  const cleanups = cleanupAfterEach();

  async function gateway(input: Omit<ConfigInput, 'server'>) {
    const gw = await startTestGateway(input);
    cleanups.push(() => gw.close());
    const origin = gw.url.replace(/\/v1$/, '');
    return {
      gw,
      origin,
      openai: new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }),
      anthropic: new Anthropic({ baseURL: origin, apiKey: 'client-key', maxRetries: 0 }),
      google: new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: origin, apiVersion: 'v1beta' } }),
    };
  }

  const ids = async (list: AsyncIterable<{ id: string }>) => {
    const found: string[] = [];
    for await (const model of list) found.push(model.id);
    return found;
  };

  it('lists what glob backends upstream serve, filtered by their globs, merged, owned by the backend, and cached', async () => {
    const a = await startListingUpstream('a', { '/v1/models': openAiPage('gpt-a', 'gpt-b') }, cleanups);
    const b = await startListingUpstream('b', { '/v1/models': openAiPage('gpt-b', 'other-x', 'gpt-c') }, cleanups);
    const { openai } = await gateway({
      backends: [
        { id: 'alpha', baseUrls: [a.up.baseUrl], credentials: [{ apiKey: 'sk-alpha-secret' }] },
        { id: 'beta', models: ['fixed-1', 'gpt-*'], baseUrls: [b.up.baseUrl], credentials: [{ apiKey: 'sk-beta-secret' }] },
      ],
    });
    const page = await openai.models.list();
    expect(page.data.map((m) => [m.id, m.owned_by])).toEqual([
      ['gpt-a', 'alpha'],
      ['gpt-b', 'alpha'],
      ['fixed-1', 'beta'],
      ['gpt-c', 'beta'],
    ]);
    expect(await ids(openai.models.list())).toEqual(['gpt-a', 'gpt-b', 'fixed-1', 'gpt-c']);
    expect(a.listings()).toHaveLength(1);
    expect(b.listings()).toHaveLength(1);
    expect(a.listings()[0]!.headers.authorization).toBe('Bearer sk-alpha-secret');
    expect(b.listings()[0]!.headers.authorization).toBe('Bearer sk-beta-secret');

    expect(await openai.models.retrieve('gpt-c')).toEqual({ id: 'gpt-c', object: 'model', created: 0, owned_by: 'beta' });
    const missing = await openai.models.retrieve('other-x').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const error = (missing as InstanceType<typeof OpenAI.NotFoundError>).error as { code: string; message: string };
    expect(error.code).toBe('model_not_found');
    expect(error.message).toContain('the model "other-x" is not served');
    expect(a.listings()).toHaveLength(1);
  });

  it('pages an Anthropic upstream with after_id, with its key and anthropic-version, for the Anthropic SDK', async () => {
    const pages = {
      '/v1/models?limit=1000': { data: [{ id: 'claude-1' }, { id: 'other' }], has_more: true, first_id: 'claude-1', last_id: 'other' },
      '/v1/models?limit=1000&after_id=other': { data: [{ id: 'claude-2' }], has_more: false, first_id: 'claude-2', last_id: 'claude-2' },
    };
    const ant = await startListingUpstream('ant', pages, cleanups);
    const { anthropic, openai } = await gateway({
      backends: [
        {
          id: 'ant',
          kind: 'anthropic',
          models: ['claude-*'],
          anthropicVersion: '2023-06-01',
          baseUrls: [`${ant.up.origin}/v1`],
          credentials: [{ apiKey: 'sk-ant-secret' }],
        },
      ],
    });
    expect(await ids(anthropic.models.list())).toEqual(['claude-1', 'claude-2']);
    const listing = await anthropic.models.list();
    expect({ first: listing.first_id, last: listing.last_id, more: listing.has_more }).toEqual({ first: 'claude-1', last: 'claude-2', more: false });
    expect(ant.listings().map((r) => r.path)).toEqual(['/v1/models?limit=1000', '/v1/models?limit=1000&after_id=other']);
    expect(ant.listings()[0]!.headers).toMatchObject({ 'x-api-key': 'sk-ant-secret', 'anthropic-version': '2023-06-01' });
    expect(await anthropic.models.retrieve('claude-2')).toMatchObject({ type: 'model', id: 'claude-2' });
    await expect(anthropic.models.retrieve('claude-9')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    // An OpenAI client reaches the same models, translated: the same catalog, not another listing.
    expect(await ids(openai.models.list())).toEqual(['claude-1', 'claude-2']);
    expect(ant.listings()).toHaveLength(2);
  });

  it('pages a Gemini upstream with pageToken, for @google/genai models.list() and get()', async () => {
    const pages = {
      '/v1beta/models?pageSize=1000': { models: [{ name: 'models/gemini-1' }], nextPageToken: 'next/1' },
      '/v1beta/models?pageSize=1000&pageToken=next%2F1': { models: [{ name: 'models/gemini-2' }, { name: 'models/embedding-1' }] },
    };
    const gem = await startListingUpstream('gem', pages, cleanups);
    const { google, origin } = await gateway({
      backends: [
        { id: 'gem', kind: 'gemini', models: ['gemini-*'], baseUrls: [`${gem.up.origin}/v1beta`], credentials: [{ apiKey: 'AIza-gem-secret' }] },
      ],
    });
    const names: string[] = [];
    for await (const model of await google.models.list()) names.push(model.name ?? '');
    expect(names).toEqual(['models/gemini-1', 'models/gemini-2']);
    expect(gem.listings()[0]!.headers['x-goog-api-key']).toBe('AIza-gem-secret');
    expect(await google.models.get({ model: 'gemini-2' })).toMatchObject({ name: 'models/gemini-2' });
    const missing = await fetch(`${origin}/v1beta/models/embedding-1`);
    expect(missing.status).toBe(404);
    const body = (await missing.json()) as { error: { code: number; status: string; message: string } };
    expect(body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect(body.error.message).toContain('the model "embedding-1" is not served');
  });
  it("asks the listing in the backend's shape (its query and auth header), and keeps a deployment BaseURL's configured names", async () => {
    const shaped = await startListingUpstream('shaped', { '/v1/models?api-version=2024-10-21': openAiPage('gpt-s') }, cleanups);
    const deployed = await startListingUpstream('deployed', {}, cleanups);
    const { openai } = await gateway({
      backends: [
        {
          id: 'shaped',
          baseUrls: [shaped.up.baseUrl],
          auth: { header: 'api-key' },
          query: { 'api-version': '2024-10-21' },
          credentials: [{ apiKey: 'shaped-secret' }],
        },
        { id: 'azure', models: ['dep-1', 'dep-*'], baseUrls: [`${deployed.up.baseUrl}/deployments/{model}`], credentials: [{ apiKey: 'az-secret' }] },
      ],
    });
    expect(await ids(openai.models.list())).toEqual(['gpt-s', 'dep-1']);
    expect(shaped.listings()[0]!.headers['api-key']).toBe('shaped-secret');
    expect(shaped.listings()[0]!.headers.authorization).toBeUndefined();
    expect(deployed.listings()).toHaveLength(0);
  });
});
