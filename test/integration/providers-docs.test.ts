import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ConfigInput } from '../../src/config/schema.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { startTestGateway } from '../helpers/gateway.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../helpers/upstream.js';

/**
 * docs/providers.md's example configs, each loaded as written (its BaseURL's origin replaced by
 * a scripted upstream on 127.0.0.1) and driven by the openai SDK: the upstream must receive the
 * path, query and headers that provider's own API documentation asks for.
 */
const DOC = readFileSync(new URL('../../docs/providers.md', import.meta.url), 'utf8');

/** The env the examples' `${VAR}` placeholders read. */
const ENV = {
  AZURE_OPENAI_API_KEY: 'azure-secret-key-0001',
  OPENROUTER_API_KEY: 'sk-or-secret-key-0001',
  VLLM_API_KEY: 'vllm-secret-key-0001',
  GROQ_API_KEY: 'gsk-secret-key-0001',
  DEEPSEEK_API_KEY: 'sk-deepseek-secret-0001',
};

interface Expected {
  /** The model the client asks for. */
  readonly model: string;
  /** The model the upstream is asked for, when an alias maps it (else `model`). */
  readonly upstreamModel?: string;
  /** Path and query the upstream must receive. */
  readonly path: string;
  /** Headers the upstream must receive, exactly. */
  readonly headers: Readonly<Record<string, string>>;
  /** Credential headers the upstream must not receive. */
  readonly absent: readonly string[];
}

const CREDENTIAL_HEADERS = ['authorization', 'api-key', 'x-api-key', 'x-goog-api-key'];
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const others = (kept: string) => CREDENTIAL_HEADERS.filter((name) => name !== kept);

const EXPECTED: Readonly<Record<string, Expected>> = {
  'Azure OpenAI': {
    model: 'gpt-4o',
    path: '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
    headers: { 'api-key': ENV.AZURE_OPENAI_API_KEY },
    absent: others('api-key'),
  },
  OpenRouter: {
    model: 'gpt-4o',
    upstreamModel: 'openai/gpt-4o',
    path: '/api/v1/chat/completions',
    headers: { ...bearer(ENV.OPENROUTER_API_KEY), 'http-referer': 'https://fusebox.example', 'x-openrouter-title': 'fusebox' },
    absent: others('authorization'),
  },
  Ollama: { model: 'llama3.2', path: '/v1/chat/completions', headers: {}, absent: CREDENTIAL_HEADERS },
  vLLM: {
    model: 'Qwen/Qwen2.5-7B-Instruct',
    path: '/v1/chat/completions',
    headers: bearer(ENV.VLLM_API_KEY),
    absent: others('authorization'),
  },
  'LM Studio': { model: 'qwen2.5-7b-instruct', path: '/v1/chat/completions', headers: {}, absent: CREDENTIAL_HEADERS },
  Groq: { model: 'llama-3.3-70b-versatile', path: '/openai/v1/chat/completions', headers: bearer(ENV.GROQ_API_KEY), absent: others('authorization') },
  DeepSeek: { model: 'deepseek-chat', path: '/chat/completions', headers: bearer(ENV.DEEPSEEK_API_KEY), absent: others('authorization') },
};

/** Each `## heading` of the doc with the first YAML block under it. */
function examples(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const section of markdown.split(/^## /m).slice(1)) {
    const heading = section.slice(0, section.indexOf('\n')).trim();
    const block = /```yaml\n([\s\S]*?)```/.exec(section);
    if (block) found.set(heading, block[1]!);
  }
  return found;
}

/** The example's config with every BaseURL's origin replaced by the upstream's. */
function pointedAt(yaml: string, upstream: MockUpstream): Omit<ConfigInput, 'server'> {
  const config = parseYaml(yaml) as { backends: { baseUrls: string[] }[] };
  for (const backend of config.backends) backend.baseUrls = backend.baseUrls.map((url) => url.replace(/^https?:\/\/[^/]+/, upstream.origin));
  return config as Omit<ConfigInput, 'server'>;
}

function expectShape(request: RecordedRequest, expected: Expected): void {
  expect(request.method).toBe('POST');
  expect(request.path).toBe(expected.path);
  for (const [name, value] of Object.entries(expected.headers)) expect(request.headers[name], name).toBe(value);
  for (const name of expected.absent) expect(request.headers[name], name).toBeUndefined();
  expect((JSON.parse(request.body) as { model: string }).model).toBe(expected.upstreamModel ?? expected.model);
}

describe('docs/providers.md examples', () => {
  const cleanups = cleanupAfterEach();
  const documented = examples(DOC);

  async function gatewayFor(heading: string) {
    const upstream = await startMockUpstream(undefined, heading);
    cleanups.push(() => upstream.close());
    const gw = await startTestGateway(pointedAt(documented.get(heading)!, upstream), { env: ENV });
    cleanups.push(() => gw.close());
    return { upstream, gw, client: new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }) };
  }

  it('has one example config for each provider, and no other', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.keys(EXPECTED))('%s: a chat completion reaches the upstream in its own shape, JSON and streamed', async (heading) => {
    const expected = EXPECTED[heading]!;
    const { upstream, client } = await gatewayFor(heading);
    const reply = await client.chat.completions.create({ model: expected.model, messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.choices[0]?.message.content).toBe(`hello from ${heading}`);

    upstream.script = () => ({ kind: 'stream', chunks: 3 });
    const stream = await client.chat.completions.create({ model: expected.model, messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(`${heading}: 1 2`);

    expect(upstream.requests).toHaveLength(2);
    for (const request of upstream.requests) expectShape(request, expected);
  });

  it('keeps a ${ENV} header value secret: an upstream error repeating it is withheld and no log line holds it', async () => {
    const upstream = await startMockUpstream(undefined, 'gateway');
    cleanups.push(() => upstream.close());
    const token = 'gw0123456789abcdef';
    const config = parseYaml(
      [
        'backends:',
        '  - id: behind-a-gateway',
        `    baseUrls: ['${upstream.baseUrl}']`,
        "    credentials: [{ apiKey: '${OPENROUTER_API_KEY}' }]",
        "    headers: { x-gateway-token: '${GATEWAY_TOKEN}' }",
      ].join('\n'),
    ) as Omit<ConfigInput, 'server'>;
    const gw = await startTestGateway(config, { env: { ...ENV, GATEWAY_TOKEN: token } });
    cleanups.push(() => gw.close());
    upstream.script = (request) => ({
      kind: 'status',
      status: 400,
      body: { error: { message: `unknown gateway token ${String(request.headers['x-gateway-token'])}`, type: 'invalid_request_error' } },
    });
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const error = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(upstream.requests[0]?.headers['x-gateway-token']).toBe(token);
    expect(JSON.stringify((error as InstanceType<typeof OpenAI.BadRequestError>).error)).not.toContain(token);
    expect((error as Error).message).toContain('withheld');
    expect(gw.rawLogs.some((line) => line.includes(token))).toBe(false);
  });
});
