import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin.js';
import { until } from '../helpers/wait.js';
import { USAGE, usageAnswer } from '../helpers/usage-upstream.js';

/**
 * Token usage through fusebox with the real SDKs: upstreams of every kind report known usage
 * (whole and streamed), and /metrics and /admin/usage count it per client key id, backend,
 * credential id and model.
 */
const ALICE = 'fbx-alice-key-0001';
const BOB = 'fbx-bob-key-0002';

interface UsageRowJson {
  client: string;
  backend: string;
  credential: string;
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}
interface UsageJson {
  since: number;
  totals: UsageRowJson[];
  hours: { hour: string; rows: UsageRowJson[] }[];
}

/** The value of the one sample `name{labels}` in a Prometheus text page (labels in any order), or null. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const found = new Map([...match[2]!.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!] as const));
    const wanted = Object.entries(labels);
    if (wanted.length === found.size && wanted.every(([k, v]) => found.get(k) === v)) return Number(match[3]);
  }
  return null;
}

describe('usage you can see', () => {
  const cleanups = cleanupAfterEach();

  async function setup() {
    const ups: MockUpstream[] = [];
    for (const name of ['oai', 'ant', 'gem']) {
      const up = await startMockUpstream(usageAnswer, name);
      cleanups.push(() => up.close());
      ups.push(up);
    }
    const [oai, ant, gem] = ups as [MockUpstream, MockUpstream, MockUpstream];
    const gw = await startTestGateway({
      server: { adminToken: ADMIN_TOKEN, apiKeys: [{ id: 'alice', key: ALICE }, BOB] },
      backends: [
        { id: 'oai', models: ['gpt-test'], baseUrls: [oai.baseUrl], credentials: [{ id: 'oai-key', apiKey: 'sk-oai-secret' }] },
        {
          id: 'ant',
          kind: 'anthropic',
          models: ['claude-test'],
          baseUrls: [`${ant.origin}/v1`],
          credentials: [{ id: 'ant-key', apiKey: 'sk-ant-secret' }],
        },
        {
          id: 'gem',
          kind: 'gemini',
          models: ['gemini-test'],
          baseUrls: [`${gem.origin}/v1beta`],
          credentials: [{ id: 'gem-key', apiKey: 'AIza-gem-secret' }],
        },
      ],
    });
    cleanups.push(() => gw.close());
    const origin = gw.url.replace(/\/v1$/, '');
    const answered = () => gw.logs.filter((line) => line.msg === 'request' && line.backend !== undefined && line.backend !== null).length;
    return { oai, ant, gem, gw, origin, answered };
  }

  const ask = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hi' }] };

  it('counts OpenAI JSON and streams per key, backend, credential and model; the report fusebox asked for reaches only a client that asked', async () => {
    const { oai, gw, answered } = await setup();
    const alice = new OpenAI({ baseURL: gw.url, apiKey: ALICE, maxRetries: 0 });
    const bob = new OpenAI({ baseURL: gw.url, apiKey: BOB, maxRetries: 0 });

    expect((await alice.chat.completions.create(ask)).usage?.prompt_tokens).toBe(USAGE.input);
    const quiet: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of await alice.chat.completions.create({ ...ask, stream: true })) quiet.push(chunk);
    const asked: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of await bob.chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } })) asked.push(chunk);

    // Alice did not ask: fusebox asked the upstream, and she gets only the content chunks.
    expect(JSON.parse(oai.requests[1]!.body)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(quiet.map((c) => c.choices.length)).toEqual([1, 1]);
    expect(quiet.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('counted');
    // Bob asked: he gets the report as the upstream sent it.
    expect(asked.map((c) => c.choices.length)).toEqual([1, 1, 0]);
    expect(asked.at(-1)?.usage).toMatchObject({ prompt_tokens: USAGE.input, completion_tokens: USAGE.output });

    await until(() => answered() === 3, 'three answered requests recorded');
    const metrics = (await admin(gw.url, '/metrics')).text;
    const labels = (client: string, direction: string) => ({ direction, client, backend: 'oai', credential: 'oai-key', model: 'gpt-test' });
    expect(sample(metrics, 'fusebox_tokens_total', labels('alice', 'input'))).toBe(2 * USAGE.input);
    expect(sample(metrics, 'fusebox_tokens_total', labels('alice', 'output'))).toBe(2 * USAGE.output);
    expect(sample(metrics, 'fusebox_tokens_total', labels('key-2', 'input'))).toBe(USAGE.input);
    expect(sample(metrics, 'fusebox_tokens_total', labels('key-2', 'output'))).toBe(USAGE.output);
    expect(metrics).not.toContain(ALICE);
    expect(metrics).not.toContain(BOB);

    const usage = await admin<UsageJson>(gw.url, '/admin/usage');
    expect(usage.status).toBe(200);
    const row = (client: string) => ({ client, backend: 'oai', credential: 'oai-key', model: 'gpt-test' });
    expect(usage.json.totals).toEqual(
      expect.arrayContaining([
        { ...row('alice'), requests: 2, inputTokens: 2 * USAGE.input, outputTokens: 2 * USAGE.output },
        { ...row('key-2'), requests: 1, inputTokens: USAGE.input, outputTokens: USAGE.output },
      ]),
    );
    expect(usage.json.totals).toHaveLength(2);
    expect(usage.json.hours).toHaveLength(1);
    expect(new Date(usage.json.hours[0]!.hour).getUTCMinutes()).toBe(0);
    expect(usage.json.hours[0]!.rows).toEqual(expect.arrayContaining(usage.json.totals));
    expect(usage.text).not.toContain(ALICE);
    expect(gw.logs.filter((line) => line.msg === 'request').map((line) => line.client)).toEqual(['alice', 'alice', 'key-2']);
    expect(gw.rawLogs.join('\n')).not.toContain(ALICE);
    expect((await admin(gw.url, '/admin/usage', { token: null })).status).toBe(401);
  });

  it('counts Anthropic messages (message_start and message_delta) and Gemini answers, whole and streamed', async () => {
    const { gw, origin, answered } = await setup();
    const anthropic = new Anthropic({ baseURL: origin, apiKey: ALICE, maxRetries: 0 });
    const google = new GoogleGenAI({ apiKey: BOB, httpOptions: { baseUrl: origin, apiVersion: 'v1beta' } });
    const message = { model: 'claude-test', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

    expect((await anthropic.messages.create(message)).usage.input_tokens).toBe(USAGE.input);
    const events: string[] = [];
    for await (const event of await anthropic.messages.create({ ...message, stream: true })) events.push(event.type);
    expect(events.at(-1)).toBe('message_stop');
    expect((await google.models.generateContent({ model: 'gemini-test', contents: 'hi' })).usageMetadata?.promptTokenCount).toBe(USAGE.input);
    const text: string[] = [];
    for await (const chunk of await google.models.generateContentStream({ model: 'gemini-test', contents: 'hi' })) text.push(chunk.text ?? '');
    expect(text.join('')).toBe('counted');

    await until(() => answered() === 4, 'four answered requests recorded');
    const metrics = (await admin(gw.url, '/metrics')).text;
    for (const [client, backend, model] of [
      ['alice', 'ant', 'claude-test'],
      ['key-2', 'gem', 'gemini-test'],
    ] as const) {
      const labels = { client, backend, credential: `${backend}-key`, model };
      expect(sample(metrics, 'fusebox_tokens_total', { ...labels, direction: 'input' })).toBe(2 * USAGE.input);
      expect(sample(metrics, 'fusebox_tokens_total', { ...labels, direction: 'output' })).toBe(2 * USAGE.output);
    }
    const usage = await admin<UsageJson>(gw.url, '/admin/usage');
    expect(usage.json.totals).toEqual(
      expect.arrayContaining([
        { client: 'alice', backend: 'ant', credential: 'ant-key', model: 'claude-test', requests: 2, inputTokens: 22, outputTokens: 14 },
        { client: 'key-2', backend: 'gem', credential: 'gem-key', model: 'gemini-test', requests: 2, inputTokens: 22, outputTokens: 14 },
      ]),
    );
  });

  it('counts a translated stream in its backend’s terms, and a client that did not ask sees no usage chunk', async () => {
    const { ant, gw, answered } = await setup();
    const alice = new OpenAI({ baseURL: gw.url, apiKey: ALICE, maxRetries: 0 });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of await alice.chat.completions.create({ model: 'claude-test', messages: ask.messages, stream: true })) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('counted');
    expect(chunks.every((c) => c.choices.length > 0 && !c.usage)).toBe(true);
    expect(ant.requests[0]!.path).toBe('/v1/messages');
    await until(() => answered() === 1, 'the answered request recorded');
    const usage = await admin<UsageJson>(gw.url, '/admin/usage');
    expect(usage.json.totals).toEqual([
      {
        client: 'alice',
        backend: 'ant',
        credential: 'ant-key',
        model: 'claude-test',
        requests: 1,
        inputTokens: USAGE.input,
        outputTokens: USAGE.output,
      },
    ]);
  });

  it('counts the usage of a stream collected for a streamOnly backend', async () => {
    const up = await startMockUpstream(usageAnswer, 'only');
    cleanups.push(() => up.close());
    const gw = await startTestGateway({
      server: { adminToken: ADMIN_TOKEN },
      backends: [
        { id: 'only', models: ['gpt-test'], streamOnly: true, baseUrls: [up.baseUrl], credentials: [{ id: 'only-key', apiKey: 'sk-only-secret' }] },
      ],
    });
    cleanups.push(() => gw.close());
    const reply = await new OpenAI({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 }).chat.completions.create(ask);
    expect(reply.usage).toMatchObject({ prompt_tokens: USAGE.input, completion_tokens: USAGE.output });
    expect(JSON.parse(up.requests[0]!.body)).toMatchObject({ stream: true });
    await until(() => gw.logs.some((line) => line.msg === 'request' && line.backend === 'only'), 'the answered request recorded');
    const usage = await admin<UsageJson>(gw.url, '/admin/usage');
    expect(usage.json.totals).toEqual([
      {
        client: 'anonymous',
        backend: 'only',
        credential: 'only-key',
        model: 'gpt-test',
        requests: 1,
        inputTokens: USAGE.input,
        outputTokens: USAGE.output,
      },
    ]);
  });

  it('counts requests refused before routing in fusebox_requests_total, with the reason as the outcome', async () => {
    const { gw, oai } = await setup();
    const post = (path: string, body: string, key: string | null = ALICE) =>
      fetch(new URL(path, gw.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body,
      });
    expect((await post('/v1/nowhere', '{}')).status).toBe(404);
    expect((await post('/v1/chat/completions', '{not json')).status).toBe(400);
    expect((await post('/v1/chat/completions', JSON.stringify({ ...ask, pad: 'x'.repeat(11 * 1024 * 1024) }))).status).toBe(413);
    expect((await post('/v1/chat/completions', JSON.stringify(ask), null)).status).toBe(401);
    expect((await post('/v1/chat/completions', JSON.stringify(ask), 'fbx-wrong-key-0000')).status).toBe(401);
    expect(oai.requests).toHaveLength(0);
    const metrics = (await admin(gw.url, '/metrics')).text;
    const refused = (status: string, outcome: string) =>
      sample(metrics, 'fusebox_requests_total', { route: 'none', model: 'none', backend: 'none', status, outcome });
    expect(refused('404', 'unknown_url')).toBe(1);
    expect(refused('400', 'invalid_json')).toBe(1);
    expect(refused('413', 'body_too_large')).toBe(1);
    expect(refused('401', 'unauthorized')).toBe(2);
  });
});
