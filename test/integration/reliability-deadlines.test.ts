import { afterEach, describe, expect, it, vi } from 'vitest';
import { call } from '../helpers/raw-http.js';
import { testRig } from '../helpers/rig.js';
import { shiftedClock } from './routing-clock.js';

/** Issue 13, items 1 and 6: attempt deadlines that fail over, and probe permits that always come back. */
describe('attempt deadlines and permits', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const ask = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hi' }] };
  const key = (id: string) => [{ id: `${id}-k`, apiKey: `sk-${id}` }];
  const portOf = (url: string) => Number(new URL(url).port);

  it('fails a hung JSON upstream over after firstByteMs instead of ending the request', async () => {
    const [hung, good] = [await upstream('hung'), await upstream('good')];
    hung.script = () => ({ kind: 'hang' });
    const { client, gw } = await gateway({
      backends: [
        { id: 'a', baseUrls: [hung.baseUrl], credentials: key('a'), timeouts: { firstByteMs: 300 } },
        { id: 'b', priority: 1, baseUrls: [good.baseUrl], credentials: key('b') },
      ],
    });
    const reply = await client.chat.completions.create(ask).withResponse();
    expect(reply.data.choices[0]?.message.content).toBe('hello from good');
    expect(reply.response.headers.get('x-fusebox-backend')).toBe('b');
    expect(hung.requests).toHaveLength(1);
    const line = await vi.waitFor(() => {
      const found = gw.logs.find((entry) => entry.msg === 'request');
      expect(found).toBeDefined();
      return found as { attempts: { backend: string; outcome: string }[] };
    });
    expect(line.attempts.map((attempt) => attempt.backend)).toEqual(['a', 'b']);
  });

  it('with streamForJson auto, detects a hung upstream of a JSON request after firstChunkMs, however long firstByteMs is', async () => {
    const [hung, good] = [await upstream('hung'), await upstream('good')];
    hung.script = () => ({ kind: 'hang' });
    const { client } = await gateway({
      backends: [
        { id: 'a', streamForJson: 'auto', baseUrls: [hung.baseUrl], credentials: key('a'), timeouts: { firstByteMs: 60_000, firstChunkMs: 300 } },
        { id: 'b', priority: 1, streamForJson: 'auto', baseUrls: [good.baseUrl], credentials: key('b') },
      ],
    });
    const reply = await client.chat.completions.create(ask).withResponse();
    expect(reply.data.choices[0]?.message.content).toBe('hello from good');
    expect(reply.response.headers.get('x-fusebox-backend')).toBe('b');
    expect(hung.requests[0]?.body).toContain('"stream":true');
    expect(good.requests[0]?.body).toContain('"stream":true');
  });

  it('skips a backend whose own deadline has passed; only the request deadline ends a request', async () => {
    const [hung, slowDeadline, good] = [await upstream('hung'), await upstream('short'), await upstream('good')];
    hung.script = () => ({ kind: 'hang' });
    slowDeadline.script = () => ({ kind: 'ok' });
    const { client } = await gateway({
      backends: [
        { id: 'a', baseUrls: [hung.baseUrl], credentials: key('a'), timeouts: { totalMs: 400 } },
        // b's own deadline (also 400 ms from the start of the request) has passed once a gave up
        { id: 'b', priority: 1, baseUrls: [slowDeadline.baseUrl], credentials: key('b'), timeouts: { totalMs: 400 } },
        { id: 'c', priority: 2, baseUrls: [good.baseUrl], credentials: key('c') },
      ],
    });
    const reply = await client.chat.completions.create(ask).withResponse();
    expect(reply.response.headers.get('x-fusebox-backend')).toBe('c');
    expect(slowDeadline.requests).toHaveLength(0);
  });

  it('returns the half-open permit when a probe request fails inside fusebox (a 10,000-deep body)', async () => {
    const [sick, spare] = [await upstream('sick'), await upstream('spare')];
    const time = shiftedClock();
    const { gw } = await gateway(
      {
        backends: [
          { id: 'x', streamOnly: true, baseUrls: [sick.baseUrl], credentials: key('x'), breaker: { failureThreshold: 1, recoveryMs: 1000 } },
          { id: 'y', priority: 1, baseUrls: [spare.baseUrl], credentials: key('y') },
        ],
      },
      { clock: time.clock },
    );
    sick.script = () => ({ kind: 'status', status: 500 });
    const port = portOf(gw.url);
    expect((await call(port, { path: '/v1/chat/completions', body: ask })).status).toBe(200);
    expect(gw.gateway.actors.view('backend:x').state).toBe('open');
    time.advance(1000);
    sick.script = () => ({ kind: 'ok' });
    const deep = `{"model":"gpt-test","messages":[{"role":"user","content":"hi"}],"extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const reply = await call(port, { path: '/v1/chat/completions', body: deep });
    // a correct answer or a clean 400, never a 500
    expect([200, 400]).toContain(reply.status);
    expect(gw.gateway.actors.view('backend:x').context.probesInFlight).toBe(0);
    // the backend is not wedged: the next ordinary request is its probe and closes it
    const after = await call(port, { path: '/v1/chat/completions', body: ask });
    expect(after.status).toBe(200);
    expect(gw.gateway.actors.view('backend:x').state).toBe('closed');
  });

  it('rewrites the model of a deep body on a model-pool fallback without re-serialising it', async () => {
    const [full, fallback] = [await upstream('full'), await upstream('fallback')];
    full.script = () => ({ kind: 'status', status: 429, body: { error: { code: 'model_capacity_exhausted', message: 'no capacity' } } });
    const { gw } = await gateway({
      modelPools: { big: { match: ['gpt-big'], fallback: 'small', mapModels: { 'gpt-big': 'gpt-small' } }, small: { match: ['gpt-small'] } },
      backends: [
        { id: 'a', models: ['gpt-big'], baseUrls: [full.baseUrl], credentials: key('a') },
        { id: 'b', models: ['gpt-small'], baseUrls: [fallback.baseUrl], credentials: key('b') },
      ],
    });
    const nested = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const body = `{"model":"gpt-big","messages":[{"role":"user","content":"hi"}],"extra":${nested}}`;
    const reply = await call(portOf(gw.url), { path: '/v1/chat/completions', body });
    expect(reply.status).toBe(200);
    expect(fallback.requests).toHaveLength(1);
    const sent = fallback.requests[0]!.body;
    expect(sent).toContain('"model":"gpt-small"');
    expect(sent).not.toContain('gpt-big');
    expect(sent).toContain(nested);
  });
});
