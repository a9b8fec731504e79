import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream } from '../helpers/upstream.js';
import { backendsFor, startTestGateway } from '../helpers/gateway.js';
import { until } from '../helpers/wait.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

describe('streams, disconnects and shutdown', () => {
  const cleanups = cleanupAfterEach();

  it('aborts the upstream request when the client disconnects mid-stream, counting nothing against the backend', async () => {
    const upstream = await startMockUpstream(() => ({ kind: 'stream', chunks: 500, gapMs: 20 }));
    cleanups.push(() => upstream.close());
    const gw = await startTestGateway({ backends: backendsFor({ id: 'a', baseUrls: [upstream.baseUrl] }) });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const _chunk of stream) {
        seen += 1;
        if (seen === 3) controller.abort();
      }
    } catch {
      // the SDK may end the iteration or throw on abort; either way the client is gone
    }
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(seen).toBeLessThan(500);
    await until(() => upstream.aborted.length === 1, 'the upstream request to be aborted');
    await until(() => gw.logs.some((l) => l.msg === 'request'), 'the request log line');
    const view = gw.gateway.actors.view('backend:a');
    expect(view.state).toBe('closed');
    expect(view.context.health.consecutiveFailures).toBe(0);
  });

  it('lets in-flight requests finish when the gateway closes', async () => {
    const upstream = await startMockUpstream(() => ({ kind: 'ok', delayMs: 150 }));
    cleanups.push(() => upstream.close());
    const gw = await startTestGateway({ backends: backendsFor({ id: 'a', baseUrls: [upstream.baseUrl] }) });
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    const pending = client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    await until(() => upstream.requests.length === 1, 'the upstream to receive the request');
    await gw.close();
    const reply = await pending;
    expect(reply.choices[0]?.message.content).toBe('hello from mock');
  });

  it('fails over when a backend refuses connections', async () => {
    const live = await startMockUpstream(undefined, 'live');
    cleanups.push(() => live.close());
    const gone = await startMockUpstream();
    const goneUrl = gone.baseUrl;
    await gone.close();
    const gw = await startTestGateway({
      backends: backendsFor({ id: 'gone', baseUrls: [goneUrl] }, { id: 'live', baseUrls: [live.baseUrl], priority: 1 }),
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.choices[0]?.message.content).toBe('hello from live');
    expect(gw.gateway.actors.view('baseurl:gone:0').context.health.lastErrors).toEqual(['connect_refused']);
  });
});
