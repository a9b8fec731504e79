import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { startTestGateway } from '../helpers/gateway.js';
import { startMockUpstream } from '../helpers/upstream.js';

/** A backend's upstream shape beside what its kind and its clients bring. */
describe('backend auth and extra headers', () => {
  const cleanups = cleanupAfterEach();

  async function upstream(name: string) {
    const mock = await startMockUpstream(undefined, name);
    cleanups.push(() => mock.close());
    return mock;
  }

  it('an anthropic-kind backend with a Bearer auth keeps its anthropic-version and sends no x-api-key', async () => {
    const up = await upstream('compat');
    const gw = await startTestGateway({
      backends: [
        {
          id: 'compat',
          kind: 'anthropic',
          baseUrls: [`${up.origin}/anthropic/v1`],
          auth: { header: 'authorization', prefix: 'Bearer ' },
          credentials: [{ apiKey: 'sk-compat-secret-0001' }],
        },
      ],
    });
    cleanups.push(() => gw.close());
    // An openai client, translated: no client anthropic-version, so the backend's default is sent.
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.choices[0]?.message.content).toBe('hello from compat');
    const sent = up.requests[0]!;
    expect(sent.path).toBe('/anthropic/v1/messages');
    expect(sent.headers.authorization).toBe('Bearer sk-compat-secret-0001');
    expect(sent.headers['x-api-key']).toBeUndefined();
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('extra headers win over the same headers forwarded from the client; the credential is the backend’s', async () => {
    const up = await upstream('tenant');
    const gw = await startTestGateway({
      backends: [
        {
          id: 'tenant',
          baseUrls: [up.baseUrl],
          forwardHeaders: ['x-tenant', 'x-trace'],
          headers: { 'X-Tenant': 'team-a' },
          credentials: [{ apiKey: 'sk-tenant-secret-0001' }],
        },
      ],
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    await client.chat.completions.create(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-tenant': 'team-b', 'x-trace': 't-1' } },
    );
    const sent = up.requests[0]!;
    expect(sent.headers['x-tenant']).toBe('team-a');
    expect(sent.headers['x-trace']).toBe('t-1');
    expect(sent.headers.authorization).toBe('Bearer sk-tenant-secret-0001');
  });
});
