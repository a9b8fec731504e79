import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { MockUpstream } from '../helpers/upstream.js';
import { credentialOf } from '../../src/machines/breaker.js';
import { capacityExhausted } from '../helpers/capacity.js';
import { testRig } from '../helpers/rig.js';

/** 429 semantics end to end: each kind of hint, the retry order, capacity → fallback, 401. */
describe('routing: rate limits, capacity and auth through fusebox', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const ask = (client: OpenAI, model = 'gpt-test') =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();

  const keyOf = (m: MockUpstream, i: number) => String(m.requests[i]?.headers.authorization).replace('Bearer sk-', '');

  async function cooldownAfter(headers: Record<string, string>, body?: unknown): Promise<number> {
    const a = await upstream('alpha');
    a.script = (_req, i) => (i === 0 ? { kind: 'status', status: 429, headers, ...(body ? { body } : {}) } : { kind: 'ok' });
    const { gw, client } = await gateway({
      backends: [
        {
          id: 'a',
          baseUrls: [a.baseUrl],
          credentials: [
            { id: 'k1', apiKey: 'sk-1' },
            { id: 'k2', apiKey: 'sk-2' },
          ],
        },
      ],
    });
    const { data, response } = await ask(client);
    expect(data.choices[0]?.message.content).toBe('hello from alpha');
    expect(response.headers.get('x-fusebox-attempts')).toBe('2');
    expect(keyOf(a, 1)).not.toBe(keyOf(a, 0));
    const pool = gw.gateway.actors.view('pool:a:default');
    expect(pool.state).toBe('closed');
    expect(gw.gateway.actors.view('backend:a').context.health.recent).toEqual([true]);
    const limited = credentialOf(pool.context, keyOf(a, 0) === '1' ? 'k1' : 'k2')!;
    return limited.cooldownUntil! - limited.health.lastFailureAt!;
  }

  it('cools down only the credential for Retry-After seconds, and the backend keeps its health', async () => {
    expect(await cooldownAfter({ 'retry-after': '7' })).toBe(7000);
  });

  it('honours retry-after-ms', async () => {
    expect(await cooldownAfter({ 'retry-after-ms': '1234' })).toBe(1234);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const ms = await cooldownAfter({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() });
    expect(ms).toBeGreaterThan(55_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });

  it('honours a Google RetryInfo.retryDelay in the error body', async () => {
    const body = {
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '42s' }],
      },
    };
    expect(await cooldownAfter({}, body)).toBe(42_000);
  });

  it('without a hint, cools down exponentially (1 s first)', async () => {
    expect(await cooldownAfter({})).toBe(1000);
  });

  it('tries another BaseURL with the same credential first, then another credential', async () => {
    const [u0, u1] = [await upstream('u0'), await upstream('u1')];
    u0.script = () => ({ kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    u1.script = (_req, i) => (i === 0 ? { kind: 'status', status: 429, headers: { 'retry-after': '30' } } : { kind: 'ok' });
    const { client, gw } = await gateway({
      routing: { maxAttempts: 4 },
      backends: [
        {
          id: 'a',
          baseUrls: [u0.baseUrl, u1.baseUrl],
          credentials: [
            { id: 'k1', apiKey: 'sk-1' },
            { id: 'k2', apiKey: 'sk-2' },
          ],
        },
      ],
    });
    const { data } = await ask(client);
    expect(data.choices[0]?.message.content).toBe('hello from u1');
    const line = gw.logs.find((l) => l.msg === 'request') as { attempts: { baseUrl: number; credential: string; outcome: string }[] };
    // u0 always answers 429, u1 only the first time: (u0,kA) → (u1,kA) → (u0,kB) → (u1,kB)
    const [first, second, third, fourth] = line.attempts;
    expect(second).toMatchObject({ credential: first!.credential, baseUrl: 1 - first!.baseUrl, outcome: 'http_429' });
    expect(third!.credential).not.toBe(first!.credential);
    expect(fourth).toMatchObject({ credential: third!.credential, baseUrl: 1 - third!.baseUrl, outcome: 'success' });
  });

  it('MODEL_CAPACITY_EXHAUSTED with no fallback pool answers with Retry-After until the hint', async () => {
    const claude = await upstream('claude');
    claude.script = () => capacityExhausted('20s');
    const { client, gw } = await gateway({
      modelPools: { claude: { match: ['claude-*'] } },
      backends: [{ id: 'c', models: ['claude-*'], baseUrls: [claude.baseUrl], credentials: [{ id: 'c1', apiKey: 'x1' }] }],
    });
    const error = (await ask(client, 'claude-sonnet-4.5').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const retryAfter = Number(error.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(19);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(claude.requests).toHaveLength(1);
    expect(gw.gateway.actors.view('pool:c:claude').state).toBe('open');
  });

  it('MODEL_CAPACITY_EXHAUSTED sends the request to the fallback pool with the mapped model at once', async () => {
    const [claude, gem] = [await upstream('claude'), await upstream('gemini')];
    claude.script = () => capacityExhausted('30s');
    const { client, gw } = await gateway({
      modelPools: {
        claude: { match: ['claude-*'], fallback: 'gemini', mapModels: { 'claude-sonnet-4.5': 'gemini-2.5-pro' } },
        gemini: { match: ['gemini-*'] },
      },
      backends: [
        {
          id: 'c',
          models: ['claude-*'],
          baseUrls: [claude.baseUrl],
          credentials: [
            { id: 'c1', apiKey: 'x1' },
            { id: 'c2', apiKey: 'x2' },
          ],
        },
        { id: 'g', models: ['gemini-*'], priority: 1, baseUrls: [gem.baseUrl], credentials: [{ id: 'g1', apiKey: 'y' }] },
      ],
    });
    const { data, response } = await ask(client, 'claude-sonnet-4.5');
    expect(data.choices[0]?.message.content).toBe('hello from gemini');
    expect(response.headers.get('x-fusebox-fallback')).toBe('claude->gemini');
    expect(response.headers.get('x-fusebox-backend')).toBe('g');
    expect(claude.requests).toHaveLength(1);
    expect(JSON.parse(gem.requests[0]!.body)).toMatchObject({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'hi' }] });
    const pool = gw.gateway.actors.view('pool:c:claude');
    expect(pool.state).toBe('open');
    expect(pool.context.openUntil! - pool.context.lastTransition!.at).toBe(30_000);
    // the pool stays open: the next request goes to the fallback without asking claude
    await ask(client, 'claude-sonnet-4.5');
    expect(claude.requests).toHaveLength(1);
    expect(gem.requests).toHaveLength(2);
  });

  it('401 disables the credential (in every pool of the backend) and another is tried', async () => {
    const a = await upstream('alpha');
    a.script = (req) => (req.headers.authorization === 'Bearer sk-bad' ? { kind: 'status', status: 401 } : { kind: 'ok' });
    const { client, gw } = await gateway(
      {
        modelPools: { claude: { match: ['claude-*'] } },
        backends: [
          {
            id: 'a',
            baseUrls: [a.baseUrl],
            credentials: [
              { id: 'bad', apiKey: 'sk-bad' },
              { id: 'good', apiKey: 'sk-good' },
            ],
          },
        ],
      },
      { random: () => 0 },
    ); // the weighted pick takes the first usable credential: `bad`
    for (let i = 0; i < 4; i++) {
      const { data, response } = await ask(client);
      expect(data.choices[0]?.message.content).toBe('hello from alpha');
      expect(response.headers.get('x-fusebox-attempts')).toBe(i === 0 ? '2' : '1');
    }
    expect(a.requests.filter((r) => r.headers.authorization === 'Bearer sk-bad')).toHaveLength(1);
    expect(credentialOf(gw.gateway.actors.view('pool:a:default').context, 'bad')?.disabled).toBe('http_401');
    expect(credentialOf(gw.gateway.actors.view('pool:a:claude').context, 'bad')?.disabled).toBe('http_401');
    expect(gw.gateway.actors.view('backend:a').context.health.lastErrors).toEqual([]);
  });

  it('answers 429 with Retry-After when every credential tried is rate limited', async () => {
    const a = await upstream('alpha');
    a.script = () => ({ kind: 'status', status: 429, headers: { 'retry-after': '9' } });
    const { gw, client } = await gateway({
      backends: [
        {
          id: 'a',
          baseUrls: [a.baseUrl],
          credentials: [
            { id: 'k1', apiKey: 'sk-1' },
            { id: 'k2', apiKey: 'sk-2' },
          ],
        },
      ],
    });
    const error = (await ask(client).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limited');
    const retryAfter = Number(error.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(8);
    expect(retryAfter).toBeLessThanOrEqual(9);
    expect(gw.gateway.actors.view('backend:a').state).toBe('closed');
  });
});
