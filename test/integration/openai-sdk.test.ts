import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { backendsFor, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

describe('the openai SDK through fusebox', () => {
  const cleanups = cleanupAfterEach();

  async function setup(): Promise<{ a: MockUpstream; b: MockUpstream; gw: TestGateway; client: OpenAI }> {
    const a = await startMockUpstream(undefined, 'alpha');
    const b = await startMockUpstream(undefined, 'beta');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const gw = await startTestGateway({
      backends: backendsFor({ id: 'alpha', baseUrls: [a.baseUrl] }, { id: 'beta', baseUrls: [b.baseUrl], priority: 1 }),
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    return { a, b, gw, client };
  }

  it('answers a JSON chat completion from the preferred backend, with the credential swapped in', async () => {
    const { a, client } = await setup();
    const reply = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.choices[0]?.message.content).toBe('hello from alpha');
    expect(a.requests).toHaveLength(1);
    expect(a.requests[0]?.path).toBe('/v1/chat/completions');
    expect(a.requests[0]?.headers.authorization).toBe('Bearer sk-alpha-secret');
    expect(JSON.parse(a.requests[0]!.body)).toMatchObject({ model: 'gpt-test' });
  });

  it('streams a chat completion chunk by chunk', async () => {
    const { a, client } = await setup();
    a.script = () => ({ kind: 'stream', chunks: 4, gapMs: 2 });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.choices[0]?.delta.content ?? '');
    expect(parts.join('')).toBe('alpha: 1 2 3');
  });

  it('fails over to the other backend on 503 and opens the dead backend breaker after 5 failures', async () => {
    const { a, b, gw, client } = await setup();
    a.script = () => ({ kind: 'status', status: 503 });
    for (let i = 0; i < 7; i++) {
      const reply = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: `q${i}` }] });
      expect(reply.choices[0]?.message.content).toBe('hello from beta');
    }
    expect(a.requests).toHaveLength(5);
    expect(b.requests).toHaveLength(7);
    expect(gw.gateway.actors.view('backend:alpha').state).toBe('open');
    expect(gw.gateway.actors.view('baseurl:alpha:0').state).toBe('open');
    expect(gw.gateway.actors.view('backend:beta').state).toBe('closed');
    const line = gw.logs.find((l) => l.msg === 'request' && Array.isArray(l.attempts) && l.attempts.length === 2);
    expect(line).toMatchObject({ backend: 'beta', status: 200 });
  });

  it('lists the configured models', async () => {
    const a = await startMockUpstream();
    cleanups.push(() => a.close());
    const gw = await startTestGateway({
      backends: [{ id: 'only', models: ['gpt-4o', 'gpt-4o-mini', 'claude-*'], baseUrls: [a.baseUrl], credentials: [{ apiKey: 'k' }] }],
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-4o', 'gpt-4o-mini']);
  });
});
