import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockUpstream } from '../helpers/upstream.js';
import { seededRandom } from '../../src/routing/random.js';
import { steppingClock, type SteppingClock } from '../helpers/stepping-clock.js';
import { testRig } from '../helpers/rig.js';

/**
 * Before a request leaves its model for a fallback pool's, a short 429 hint or a first
 * transient 5xx is waited out and the same model tried again; other keys and mirrors of the
 * model come first, at once; a long hint switches at once.
 */
describe('routing: same-model retry before switching models', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const pools = {
    primary: { match: ['model-a'], fallback: 'backup', mapModels: { 'model-a': 'model-b' } },
    backup: { match: ['model-b'] },
  };

  async function primaryAndBackup(time: SteppingClock, urls = 1, routing: Record<string, number> = {}) {
    const mirrors: MockUpstream[] = [];
    for (let i = 0; i < urls; i++) mirrors.push(await upstream(`a${i}`));
    const backup = await upstream('backup');
    const { gw, client } = await gateway(
      {
        routing,
        modelPools: pools,
        backends: [
          { id: 'a', models: ['model-a'], baseUrls: mirrors.map((m) => m.baseUrl), credentials: [{ id: 'a-key', apiKey: 'sk-a' }] },
          { id: 'b', models: ['model-b'], priority: 1, baseUrls: [backup.baseUrl], credentials: [{ id: 'b-key', apiKey: 'sk-b' }] },
        ],
      },
      { clock: time.clock, random: seededRandom(7) },
    );
    return { mirrors, backup, gw, client };
  }

  const ask = (client: OpenAI) => client.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'hi' }] }).withResponse();

  /** Waits until the gateway has a timer of about `ms` pending (the request is pausing). */
  async function pausing(time: SteppingClock, min: number, max: number): Promise<number> {
    let found = -1;
    await vi.waitFor(() => {
      found = time.pending().find((ms) => ms >= min && ms <= max) ?? -1;
      expect(found).toBeGreaterThanOrEqual(0);
    });
    return found;
  }

  const requestLine = (logs: Record<string, unknown>[]) =>
    logs.find((entry) => entry.msg === 'request') as { attempts: { backend: string; baseUrl: number; outcome: string }[]; sameModelWaitMs?: number };

  it('waits out a short Retry-After on the only route of the model, then asks the same model again', async () => {
    const time = steppingClock();
    const { mirrors, backup, gw, client } = await primaryAndBackup(time);
    mirrors[0]!.script = (_req, i) => (i === 0 ? { kind: 'status', status: 429, headers: { 'retry-after': '2' } } : { kind: 'ok' });
    const reply = ask(client);
    await pausing(time, 1900, 2000);
    expect(mirrors[0]!.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    time.advance(2000);
    const { data, response } = await reply;
    expect(data.choices[0]?.message.content).toBe('hello from a0');
    expect(response.headers.get('x-fusebox-fallback')).toBeNull();
    expect(mirrors[0]!.requests).toHaveLength(2);
    expect(backup.requests).toHaveLength(0);
    const line = requestLine(gw.logs);
    expect(line.attempts.map((a) => a.outcome)).toEqual(['http_429', 'success']);
    expect(line.sameModelWaitMs).toBeGreaterThan(1900);
  });

  it('retries a first transient 5xx on the same model after a jittered backoff', async () => {
    const time = steppingClock();
    const { mirrors, backup, client } = await primaryAndBackup(time, 1, { sameModelRetryBackoffMs: 400 });
    mirrors[0]!.script = (_req, i) => (i === 0 ? { kind: 'status', status: 503 } : { kind: 'ok' });
    const reply = ask(client);
    const waited = await pausing(time, 200, 600);
    expect(waited).not.toBe(400); // jittered (seeded), within ×0.5–1.5 of the backoff
    expect(mirrors[0]!.requests).toHaveLength(1);
    time.advance(waited);
    const { data } = await reply;
    expect(data.choices[0]?.message.content).toBe('hello from a0');
    expect(mirrors[0]!.requests).toHaveLength(2);
    expect(backup.requests).toHaveLength(0);
  });

  it('switches to the fallback at once when the hint is longer than sameModelRetryMaxMs', async () => {
    const time = steppingClock();
    const { mirrors, gw, client } = await primaryAndBackup(time, 1, { sameModelRetryMaxMs: 5000 });
    mirrors[0]!.script = () => ({ kind: 'status', status: 429, headers: { 'retry-after': '6' } });
    const { data, response } = await ask(client);
    expect(data.choices[0]?.message.content).toBe('hello from backup');
    expect(response.headers.get('x-fusebox-fallback')).toBe('primary->backup');
    expect(mirrors[0]!.requests).toHaveLength(1);
    expect(requestLine(gw.logs).sameModelWaitMs).toBeUndefined();
  });

  it('tries the other mirror of the same model first and at once, and waits only before switching models', async () => {
    const time = steppingClock();
    const { mirrors, backup, gw, client } = await primaryAndBackup(time, 2);
    const [m0, m1] = mirrors as [MockUpstream, MockUpstream];
    m0.script = (_req, i) => (i === 0 ? { kind: 'status', status: 429, headers: { 'retry-after': '3' } } : { kind: 'ok' });
    m1.script = () => ({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    const reply = ask(client);
    await pausing(time, 2800, 3000);
    // both mirrors were asked before the pause: the second one did not wait for the first's hint
    expect([m0.requests.length, m1.requests.length]).toEqual([1, 1]);
    expect(backup.requests).toHaveLength(0);
    time.advance(3000);
    const { data } = await reply;
    expect(data.choices[0]?.message.content).toBe('hello from a0');
    const line = requestLine(gw.logs);
    expect(line.attempts.map((a) => `${a.baseUrl}:${a.outcome}`)).toEqual(['0:http_429', '1:http_429', '0:success']);
    expect(backup.requests).toHaveLength(0);
  });

  it('tries another key of the same model first and at once, and waits only before switching models', async () => {
    const time = steppingClock();
    const a = await upstream('a');
    const backup = await upstream('backup');
    let firstKeyCalls = 0;
    a.script = (req) => {
      const limited = { kind: 'status', status: 429, headers: { 'retry-after': '2' } } as const;
      if (req.headers.authorization === 'Bearer sk-2') return limited;
      return firstKeyCalls++ === 0 ? limited : { kind: 'ok' };
    };
    const { gw, client } = await gateway(
      {
        modelPools: pools,
        backends: [
          {
            id: 'a',
            models: ['model-a'],
            baseUrls: [a.baseUrl],
            credentials: [
              { id: 'k1', apiKey: 'sk-1' },
              { id: 'k2', apiKey: 'sk-2' },
            ],
          },
          { id: 'b', models: ['model-b'], priority: 1, baseUrls: [backup.baseUrl], credentials: [{ id: 'b-key', apiKey: 'sk-b' }] },
        ],
      },
      { clock: time.clock, random: () => 0 }, // the weighted pick takes k1 first
    );
    const reply = ask(client);
    await pausing(time, 1800, 2000);
    // both keys were asked before the pause: the second one did not wait for the first's hint
    expect(a.requests.map((r) => r.headers.authorization)).toEqual(['Bearer sk-1', 'Bearer sk-2']);
    time.advance(2000);
    const { data } = await reply;
    expect(data.choices[0]?.message.content).toBe('hello from a');
    const line = requestLine(gw.logs) as unknown as { attempts: { credential: string; outcome: string }[] };
    expect(line.attempts.map((x) => `${x.credential}:${x.outcome}`)).toEqual(['k1:http_429', 'k2:http_429', 'k1:success']);
    expect(backup.requests).toHaveLength(0);
  });

  it('switches at once when the 5xx opened the breaker of the only route', async () => {
    const time = steppingClock();
    const a = await upstream('a');
    const backup = await upstream('backup');
    a.script = () => ({ kind: 'status', status: 503 });
    const { gw, client } = await gateway(
      {
        modelPools: pools,
        backends: [
          { id: 'a', models: ['model-a'], baseUrls: [a.baseUrl], credentials: [{ id: 'a-key', apiKey: 'sk-a' }], breaker: { failureThreshold: 1 } },
          { id: 'b', models: ['model-b'], priority: 1, baseUrls: [backup.baseUrl], credentials: [{ id: 'b-key', apiKey: 'sk-b' }] },
        ],
      },
      { clock: time.clock, random: seededRandom(7) },
    );
    const { data } = await ask(client);
    expect(data.choices[0]?.message.content).toBe('hello from backup');
    expect(a.requests).toHaveLength(1);
    expect(gw.gateway.actors.view('backend:a').state).toBe('open');
    expect(requestLine(gw.logs).sameModelWaitMs).toBeUndefined();
  });

  it('retries the same model only once per request', async () => {
    const time = steppingClock();
    const { mirrors, backup, client } = await primaryAndBackup(time);
    mirrors[0]!.script = () => ({ kind: 'status', status: 503 });
    const reply = ask(client);
    time.advance(await pausing(time, 250, 750));
    const { data } = await reply;
    expect(data.choices[0]?.message.content).toBe('hello from backup');
    expect(mirrors[0]!.requests).toHaveLength(2);
    expect(backup.requests).toHaveLength(1);
  });
});
