import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { openAiPage, startListingUpstream } from '../helpers/listing-upstream.js';
import { until } from '../helpers/wait.js';
import { parseConfig } from '../../src/config/load.js';

/** The model catalog's cache: background refresh, a failing or hanging upstream, one warning per failure. */
describe('model listing refresh and failures', () => {
  const cleanups = cleanupAfterEach();

  async function gateway(input: Omit<ConfigInput, 'server'>, next?: () => Omit<ConfigInput, 'server'>) {
    const gw = await startTestGateway(input, next ? { loadConfig: () => parseConfig({ ...next(), server: { port: 0 } }) } : {});
    cleanups.push(() => gw.close());
    const openai = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    return { gw, list: async () => (await openai.models.list()).data.map((model) => model.id) };
  }

  const backend = (baseUrl: string) => ({
    id: 'glob',
    models: ['fixed-1', 'gpt-*'],
    baseUrls: [baseUrl],
    credentials: [{ apiKey: 'sk-glob-secret' }],
  });

  it('refreshes in the background and answers from the cache while the upstream hangs', async () => {
    const up = await startListingUpstream('up', { '/v1/models': openAiPage('gpt-1') }, cleanups);
    const { list } = await gateway({ modelListing: { refreshMs: 20, firstWaitMs: 60_000, timeoutMs: 60_000 }, backends: [backend(up.up.baseUrl)] });
    expect(await list()).toEqual(['fixed-1', 'gpt-1']);
    up.pages = { '/v1/models': openAiPage('gpt-1', 'gpt-2') };
    // No client asks: the refresh happens on its own.
    await until(() => up.listings().length >= 3, 'background refreshes');
    expect(await list()).toEqual(['fixed-1', 'gpt-1', 'gpt-2']);
    // A refresh that never answers does not hold a client's listing: the cached one is answered.
    up.listing = { kind: 'hang' };
    const asked = up.listings().length;
    await until(() => up.listings().length > asked, 'a hanging refresh');
    expect(await list()).toEqual(['fixed-1', 'gpt-1', 'gpt-2']);
  });

  it('keeps the configured names of a backend whose upstream cannot list, warns once, and lists again once it can', async () => {
    const up = await startListingUpstream('up', { '/v1/models': openAiPage('gpt-1') }, cleanups);
    up.listing = { kind: 'status', status: 500 };
    const { gw, list } = await gateway({ modelListing: { refreshMs: 20 }, backends: [backend(up.up.baseUrl)] });
    expect(await list()).toEqual(['fixed-1']);
    await until(() => up.listings().length >= 3, 'retries of the failed listing');
    expect(await list()).toEqual(['fixed-1']);
    const warnings = () => gw.logs.filter((line) => String(line.msg).startsWith("could not list the upstream's models"));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ backend: 'glob', reason: expect.stringContaining('HTTP 500') as unknown });
    expect(gw.rawLogs.join('\n')).not.toContain('sk-glob-secret');
    up.listing = null;
    await until(() => gw.logs.some((line) => line.msg === 'the upstream lists its models again'), 'the listing recovered');
    expect(await list()).toEqual(['fixed-1', 'gpt-1']);
  });

  it('answers a first listing without a hanging upstream after firstWaitMs, and without a dead one at once', async () => {
    const hanging = await startListingUpstream('hanging', {}, cleanups);
    hanging.listing = { kind: 'hang' };
    const { list } = await gateway({
      modelListing: { firstWaitMs: 50, timeoutMs: 60_000 },
      backends: [backend(hanging.up.baseUrl), { ...backend('http://127.0.0.1:9/v1'), id: 'dead', models: ['dead-1', 'x-*'] }],
    });
    expect(await list()).toEqual(['fixed-1', 'dead-1']);
    expect(hanging.listings()).toHaveLength(1);
  });

  it('tries the next BaseURL when the first cannot list', async () => {
    const good = await startListingUpstream('good', { '/v1/models': openAiPage('gpt-9') }, cleanups);
    const { list } = await gateway({ backends: [{ ...backend('http://127.0.0.1:9/v1'), baseUrls: ['http://127.0.0.1:9/v1', good.up.baseUrl] }] });
    expect(await list()).toEqual(['fixed-1', 'gpt-9']);
  });

  it('keeps the cache of a backend a reload keeps, and lists a backend the reload added', async () => {
    const kept = await startListingUpstream('kept', { '/v1/models': openAiPage('gpt-1') }, cleanups);
    const added = await startListingUpstream('added', { '/v1/models': openAiPage('new-1') }, cleanups);
    const first = { backends: [backend(kept.up.baseUrl)] };
    const second = { backends: [backend(kept.up.baseUrl), { ...backend(added.up.baseUrl), id: 'added', models: ['new-*'] }] };
    const { gw, list } = await gateway(first, () => second);
    expect(await list()).toEqual(['fixed-1', 'gpt-1']);
    await gw.gateway.reload();
    expect(await list()).toEqual(['fixed-1', 'gpt-1', 'new-1']);
    expect(kept.listings()).toHaveLength(1);
    expect(added.listings()).toHaveLength(1);
  });
});
