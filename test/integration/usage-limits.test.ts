import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/shared/clock.js';
import { startMockUpstream } from '../helpers/upstream.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin.js';
import { until } from '../helpers/wait.js';
import { USAGE, usageAnswer } from '../helpers/usage-upstream.js';

/**
 * Per-client-key limits: over its requests per minute or tokens per day a key is answered 429
 * with Retry-After, in the protocol of the path it called, before any upstream is asked.
 */
const CAROL = 'fbx-carol-key-0003';
const DAVE = 'fbx-dave-key-00004';

/** Real time moved to 10:00:20 UTC of today: 40 s left in the minute, 14 h less 20 s in the day. */
function tenOClockClock(): Clock {
  const base = Date.now();
  const offset = base - (base % 86_400_000) + 36_000_000 + 20_000 - base;
  return {
    now: () => Date.now() + offset,
    setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

describe('client key limits', () => {
  const cleanups = cleanupAfterEach();

  async function setup() {
    const up = await startMockUpstream(usageAnswer, 'up');
    cleanups.push(() => up.close());
    const backend = (id: string, kind: 'openai' | 'anthropic' | 'gemini', model: string, path: string) => ({
      id,
      kind,
      models: [model],
      baseUrls: [`${up.origin}${path}`],
      credentials: [{ id: `${id}-key`, apiKey: `sk-${id}-secret` }],
    });
    const gw = await startTestGateway(
      {
        server: {
          adminToken: ADMIN_TOKEN,
          apiKeys: [
            { id: 'carol', key: CAROL, limits: { rpm: 1 } },
            { id: 'dave', key: DAVE, limits: { tokensPerDay: USAGE.input + USAGE.output - 1 } },
          ],
        },
        backends: [
          backend('oai', 'openai', 'gpt-test', '/v1'),
          backend('ant', 'anthropic', 'claude-test', '/v1'),
          backend('gem', 'gemini', 'gemini-test', '/v1beta'),
        ],
      },
      { clock: tenOClockClock() },
    );
    cleanups.push(() => gw.close());
    const origin = gw.url.replace(/\/v1$/, '');
    return { up, gw, origin };
  }

  /** One request of each protocol with `key`, as raw fetches (status, Retry-After and body as the client gets them). */
  async function askEveryProtocol(origin: string, key: string) {
    const post = async (path: string, body: unknown, headers: Record<string, string>) => {
      const res = await fetch(`${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as Record<string, unknown>;
      return { status: res.status, retryAfter: Number(res.headers.get('retry-after')), shouldRetry: res.headers.get('x-should-retry'), body: answer };
    };
    const messages = [{ role: 'user', content: 'hi' }];
    return {
      openai: await post('/v1/chat/completions', { model: 'gpt-test', messages }, { authorization: `Bearer ${key}` }),
      anthropic: await post('/v1/messages', { model: 'claude-test', max_tokens: 8, messages }, { 'x-api-key': key }),
      gemini: await post(
        '/v1beta/models/gemini-test:generateContent',
        { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
        { 'x-goog-api-key': key },
      ),
    };
  }

  function expectRefusedInEachFormat(answers: Awaited<ReturnType<typeof askEveryProtocol>>, maxRetryAfter: number, minRetryAfter: number) {
    for (const answer of Object.values(answers)) {
      expect(answer.status).toBe(429);
      expect(answer.retryAfter).toBeGreaterThanOrEqual(minRetryAfter);
      expect(answer.retryAfter).toBeLessThanOrEqual(maxRetryAfter);
    }
    expect(answers.openai.body).toMatchObject({ error: { type: 'rate_limit_error', code: 'client_limit_exceeded' } });
    expect(answers.anthropic.body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(answers.gemini.body).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
  }

  it('answers a key over its requests per minute 429 with Retry-After to the minute, in each protocol, without calling upstream', async () => {
    const { up, gw, origin } = await setup();
    const carol = new OpenAI({ baseURL: gw.url, apiKey: CAROL, maxRetries: 0 });
    await carol.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
    const refused = await askEveryProtocol(origin, CAROL);
    expectRefusedInEachFormat(refused, 40, 1);
    expect(refused.openai.shouldRetry).toBeNull();
    expect(up.requests).toHaveLength(1);
    const error = await carol.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const metrics = (await admin(gw.url, '/metrics')).text;
    expect(metrics).toContain('fusebox_requests_total{route="none",model="none",backend="none",status="429",outcome="client_limit_exceeded"} 4');
    // Another key is not limited by Carol's count.
    const other = await askEveryProtocol(origin, DAVE);
    expect(other.openai.status).toBe(200);
  });

  it('answers a key over its tokens per day 429 with Retry-After to the end of the UTC day, once an answer has reported them', async () => {
    const { up, gw, origin } = await setup();
    const dave = new OpenAI({ baseURL: gw.url, apiKey: DAVE, maxRetries: 0 });
    const reply = await dave.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.usage?.total_tokens).toBe(USAGE.input + USAGE.output);
    await until(() => gw.logs.some((line) => line.msg === 'request' && line.client === 'dave'), "dave's answer recorded");
    const refused = await askEveryProtocol(origin, DAVE);
    expectRefusedInEachFormat(refused, 14 * 3600 - 20, 14 * 3600 - 120);
    // Not within an SDK's retries: the SDKs are told not to retry.
    expect(Object.values(refused).map((answer) => answer.shouldRetry)).toEqual(['false', 'false', 'false']);
    expect(up.requests).toHaveLength(1);
    const carol = await askEveryProtocol(origin, CAROL);
    expect(carol.openai.status).toBe(200);
  });
});
