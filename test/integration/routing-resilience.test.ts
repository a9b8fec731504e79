import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { testRig } from '../helpers/rig.js';
import { shiftedClock } from './routing-clock.js';

/** Bursts, flapping, half-open probes under concurrency, waiting for recovery, the retry budget. */
describe('routing: resilience through fusebox', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const ask = (client: OpenAI) => client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  const key = (id: string) => [{ id: `${id}-k`, apiKey: `sk-${id}` }];

  it('rides out a 503 burst on one BaseURL through the other, then moves the sick one back', async () => {
    const [m0, m1] = [await upstream('m0'), await upstream('m1')];
    m0.script = (_req, i) => (i < 3 ? { kind: 'status', status: 503 } : { kind: 'ok' });
    const { client, gw } = await gateway({ backends: [{ id: 'a', baseUrls: [m0.baseUrl, m1.baseUrl], credentials: key('a') }] });
    const served: string[] = [];
    for (let i = 0; i < 6; i++) served.push((await ask(client)).data.choices[0]!.message.content!);
    expect(served.every((text) => text === 'hello from m1')).toBe(true);
    // once m0 failed it ranks behind the healthy m1, so it was asked only once
    expect(m0.requests).toHaveLength(1);
    expect(gw.gateway.actors.view('baseurl:a:0').context.health.lastErrors).toEqual(['http_503']);
  });

  it('keeps a flapping backend open longer each time it re-opens soon after closing', async () => {
    const [flappy, steady] = [await upstream('flappy'), await upstream('steady')];
    const time = shiftedClock();
    const { client, gw } = await gateway(
      {
        backends: [
          { id: 'f', baseUrls: [flappy.baseUrl], credentials: key('f'), breaker: { failureThreshold: 1, recoveryMs: 10_000 } },
          { id: 's', priority: 1, baseUrls: [steady.baseUrl], credentials: key('s') },
        ],
      },
      { clock: time.clock },
    );
    const openFor: number[] = [];
    for (let round = 0; round < 3; round++) {
      flappy.script = () => ({ kind: 'status', status: 502 });
      expect((await ask(client)).data.choices[0]?.message.content).toBe('hello from steady');
      const view = gw.gateway.actors.view('backend:f');
      expect(view.state).toBe('open');
      openFor.push(view.context.openUntil! - view.context.lastTransition!.at);
      time.advance(openFor[round]!);
      flappy.script = () => ({ kind: 'ok' });
      expect((await ask(client)).data.choices[0]?.message.content).toBe('hello from flappy');
      expect(gw.gateway.actors.view('backend:f').state).toBe('closed');
    }
    expect(openFor).toEqual([10_000, 20_000, 40_000]);
  });

  it('lets exactly K half-open probes through under concurrent requests; the rest go elsewhere', async () => {
    const [sick, spare] = [await upstream('sick'), await upstream('spare')];
    const time = shiftedClock();
    const { client, gw } = await gateway(
      {
        backends: [
          { id: 'x', baseUrls: [sick.baseUrl], credentials: key('x'), breaker: { failureThreshold: 1, recoveryMs: 5000, halfOpenProbes: 2 } },
          { id: 'y', priority: 1, baseUrls: [spare.baseUrl], credentials: key('y') },
        ],
      },
      { clock: time.clock },
    );
    sick.script = () => ({ kind: 'status', status: 500 });
    await ask(client);
    expect(gw.gateway.actors.view('backend:x').state).toBe('open');
    time.advance(5000);
    sick.script = () => ({ kind: 'ok', delayMs: 300 });
    const before = sick.requests.length;
    const replies = await Promise.all(Array.from({ length: 6 }, () => ask(client)));
    const backends = replies.map((r) => r.response.headers.get('x-fusebox-backend'));
    expect(sick.requests.length - before).toBe(2);
    expect(backends.filter((b) => b === 'x')).toHaveLength(2);
    expect(backends.filter((b) => b === 'y')).toHaveLength(4);
    expect(gw.gateway.actors.view('backend:x').state).toBe('closed');
  });

  it('waits for the earliest recovery when every route is cooling down (waitForRecoveryMs)', async () => {
    const a = await upstream('alpha');
    a.script = (_req, i) => (i === 0 ? { kind: 'status', status: 429, headers: { 'retry-after-ms': '150' } } : { kind: 'ok' });
    const { client, gw } = await gateway({
      routing: { waitForRecoveryMs: 5000 },
      backends: [{ id: 'a', baseUrls: [a.baseUrl], credentials: key('a') }],
    });
    const { data, response } = await ask(client);
    expect(data.choices[0]?.message.content).toBe('hello from alpha');
    expect(response.headers.get('x-fusebox-attempts')).toBe('2');
    const line = gw.logs.find((l) => l.msg === 'request') as { waitedMs?: number };
    expect(line.waitedMs).toBeGreaterThan(0);
  });

  it('fails at once, with Retry-After, when every route is cooling down and waiting is off', async () => {
    const a = await upstream('alpha');
    a.script = () => ({ kind: 'status', status: 429, headers: { 'retry-after': '20' } });
    const { client } = await gateway({ backends: [{ id: 'a', baseUrls: [a.baseUrl], credentials: key('a') }] });
    await expect(ask(client)).rejects.toMatchObject({ status: 429 });
    const error = await ask(client).catch((e: unknown) => e as { status: number; headers: Headers });
    expect(error).toMatchObject({ status: 503 });
    expect(Number((error as { headers: Headers }).headers.get('retry-after'))).toBeGreaterThan(0);
    expect(a.requests).toHaveLength(1);
  });

  it('stops retrying once the retry budget is spent, and says so in the log', async () => {
    const [bad, good] = [await upstream('bad'), await upstream('good')];
    bad.script = () => ({ kind: 'status', status: 503 });
    const { client, gw } = await gateway({
      routing: { retryBudget: { share: 0, minPerSecond: 0.1 } },
      backends: [
        { id: 'bad', baseUrls: [bad.baseUrl], credentials: key('bad'), breaker: { failureThreshold: 100 } },
        { id: 'good', priority: 1, baseUrls: [good.baseUrl], credentials: key('good') },
      ],
    });
    expect((await ask(client)).data.choices[0]?.message.content).toBe('hello from good');
    await expect(ask(client)).rejects.toMatchObject({ status: 502 });
    const lines = gw.logs.filter((l) => l.msg === 'request');
    expect(lines[1]).toMatchObject({ retryBudgetExhausted: true, status: 502 });
    expect(good.requests).toHaveLength(1);
  });

  it('logs each attempt, and at debug level the candidates and skips', async () => {
    const [bad, good] = [await upstream('bad'), await upstream('good')];
    bad.script = () => ({ kind: 'status', status: 503 });
    const { client, gw } = await gateway({
      backends: [
        { id: 'bad', baseUrls: [bad.baseUrl], credentials: key('bad') },
        { id: 'good', priority: 1, baseUrls: [good.baseUrl], credentials: key('good') },
      ],
    });
    await ask(client);
    const line = gw.logs.find((l) => l.msg === 'request');
    expect(line).toMatchObject({
      backend: 'good',
      attempts: [
        { backend: 'bad', baseUrl: 0, credential: 'bad-k', pool: 'default', outcome: 'http_503' },
        { backend: 'good', baseUrl: 0, credential: 'good-k', pool: 'default', outcome: 'success' },
      ],
    });
    const debug = gw.logs.find((l) => l.msg === 'route decisions') as { considered: { backend: string; score: number }[]; skipped: unknown[] };
    expect(debug.considered.map((c) => c.backend)).toEqual(['bad', 'good']);
    expect(debug.skipped).toContainEqual({ actorId: 'baseurl:bad:0', reason: 'already failed for this request' });
    expect(gw.rawLogs.join('\n')).not.toContain('sk-good');
  });
});
