import { afterEach, describe, expect, it } from 'vitest';
import { credentialOf } from '../../src/machines/breaker.js';
import { testRig } from '../helpers/rig.js';
import { shiftedClock } from './routing-clock.js';

/** Issue 13, item 7: a 401 from one mirror disables a key for that mirror, not everywhere, and not forever. */
describe('a refused credential', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const ask = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hi' }] };
  const refuse = { kind: 'status', status: 401, body: { error: { message: 'bad key', type: 'invalid_request_error' } } } as const;

  it("is tried on the backend's other BaseURLs first, and stays usable there", async () => {
    const [strict, lenient] = [await upstream('strict'), await upstream('lenient')];
    strict.script = () => refuse;
    const { client, gw } = await gateway({
      backends: [{ id: 'a', baseUrls: [strict.baseUrl, lenient.baseUrl], credentials: [{ id: 'only', apiKey: 'sk-only' }] }],
    });
    for (let i = 0; i < 3; i++) {
      const reply = await client.chat.completions.create(ask);
      expect(reply.choices[0]?.message.content).toBe('hello from lenient');
    }
    // the pair (strict, only) is off; the key itself is not disabled for the backend
    expect(strict.requests).toHaveLength(1);
    expect(credentialOf(gw.gateway.actors.view('pool:a:default').context, 'only')?.disabled ?? null).toBeNull();
  });

  it('is disabled for the backend only when every BaseURL refused it, and re-probed on a growing schedule', async () => {
    const [m0, m1] = [await upstream('m0'), await upstream('m1')];
    m0.script = () => refuse;
    m1.script = () => refuse;
    const time = shiftedClock();
    const { client, gw } = await gateway(
      { backends: [{ id: 'a', baseUrls: [m0.baseUrl, m1.baseUrl], credentials: [{ id: 'only', apiKey: 'sk-only' }] }] },
      { clock: time.clock },
    );
    await expect(client.chat.completions.create(ask)).rejects.toThrow();
    expect(m0.requests.length + m1.requests.length).toBe(2);
    expect(credentialOf(gw.gateway.actors.view('pool:a:default').context, 'only')?.disabled).toBeTruthy();
    await expect(client.chat.completions.create(ask)).rejects.toThrow();
    expect(m0.requests.length + m1.requests.length).toBe(2);
    // after 10 minutes the key is tried again; it is refused again, so the next try waits 20 minutes
    time.advance(10 * 60_000);
    await expect(client.chat.completions.create(ask)).rejects.toThrow();
    expect(m0.requests.length + m1.requests.length).toBeGreaterThan(2);
    const asked = m0.requests.length + m1.requests.length;
    time.advance(10 * 60_000);
    await expect(client.chat.completions.create(ask)).rejects.toThrow();
    expect(m0.requests.length + m1.requests.length).toBe(asked);
    time.advance(10 * 60_000);
    m1.script = () => ({ kind: 'ok' });
    const healed = await client.chat.completions.create(ask);
    expect(healed.choices[0]?.message.content).toBe('hello from m1');
  });
});
