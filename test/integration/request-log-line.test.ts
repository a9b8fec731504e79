import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialList } from '../../src/machines/breaker.js';
import { ERRORS } from '../../src/shared/errors.js';
import { UPSTREAM_FAILURE_CODES } from '../../src/shared/upstream-code.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The request log line is written without redaction or scrubbing (src/app/request-line.ts):
 * this proves, on real lines of every kind of ending, that each member is an id, a code, a
 * number, a known enum or a route decision, and that no configured secret reaches the log even
 * when every upstream echoes the key it was sent, in headers, bodies, errors and stream chunks.
 */
const SECRETS = { a: 'sk-echo-alpha-secret-0123456789', b: 'sk-echo-beta-secret-9876543210', client: 'client-key-echo-5555aaaa' };

/** The models an upstream refuses, and with what status. */
const FAILURES: Record<string, number | undefined> = { 'fail-500': 500, 'fail-401': 401, 'fail-429': 429, 'fail-400': 400 };

/** An upstream that echoes the presented key everywhere it can; what it answers depends on the model. */
function echoingUpstream(): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const key = (req.headers.authorization ?? '').replace('Bearer ', '');
      const { model, stream } = JSON.parse(raw) as { model: string; stream?: boolean };
      const echo = { 'x-echo-key': key, 'x-request-id': key, 'set-cookie': `k=${key}` };
      const failWith = model === 'fail-then-ok' && key === SECRETS.a ? 500 : FAILURES[model];
      if (failWith !== undefined) {
        res.writeHead(failWith, { 'content-type': 'application/json', ...echo });
        res.end(JSON.stringify({ error: { message: `bad key ${key}`, type: key, code: key } }));
        return;
      }
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', ...echo });
        const chunk = { id: key, object: 'chat.completion.chunk', model: key, choices: [{ index: 0, delta: { content: key }, finish_reason: null }] };
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        if (model === 'stream-cut') res.destroy();
        else res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', ...echo });
      res.end(
        JSON.stringify({
          id: key,
          object: 'chat.completion',
          model: key,
          choices: [{ index: 0, message: { role: 'assistant', content: key }, finish_reason: 'stop' }],
        }),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` })),
  );
}

const KNOWN_CODES = new Set<string>([...UPSTREAM_FAILURE_CODES, ...Object.keys(ERRORS), 'success', 'cancelled', 'broken_stream', 'client_cancelled']);
const isCode = (value: unknown) => typeof value === 'string' && (KNOWN_CODES.has(value) || /^http_\d{3}$/.test(value));
const isMs = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Every member of a request line, and what it may hold. */
function checkLine(line: Record<string, unknown>, ids: { backends: Set<string>; credentials: Set<string>; models: Set<string> }): void {
  const { level, time, pid, hostname, msg, reqId, model, stream, status, outcome, backend, attempts, ms, ...rest } = line;
  expect([level, msg, typeof time, typeof pid, typeof hostname]).toEqual([30, 'request', 'number', 'number', 'string']);
  expect(reqId).toMatch(/^[0-9a-f-]{36}$/);
  expect(ids.models.has(model as string) || model === '[redacted]').toBe(true);
  expect(typeof stream).toBe('boolean');
  expect(typeof status).toBe('number');
  expect(isCode(outcome)).toBe(true);
  expect(backend === null || ids.backends.has(backend as string)).toBe(true);
  expect(isMs(ms)).toBe(true);
  expect(Array.isArray(attempts)).toBe(true);
  for (const attempt of attempts as Record<string, unknown>[]) {
    const { backend: b, baseUrl, credential, pool, outcome: o, ms: attemptMs, ...more } = attempt;
    expect(ids.backends.has(b as string)).toBe(true);
    expect(Number.isInteger(baseUrl)).toBe(true);
    expect(ids.credentials.has(credential as string)).toBe(true);
    expect(pool).toBe('default');
    expect(isCode(o)).toBe(true);
    expect(isMs(attemptMs)).toBe(true);
    expect(more).toEqual({});
  }
  const { error, fallback, waitedMs, sameModelWaitMs, retryBudgetExhausted, client, usage, resumed, ...unknown } = rest;
  expect(unknown).toEqual({});
  if (client !== undefined) expect(client).toMatch(/^key-\d+$/);
  if (usage !== undefined) expect(Object.values(usage as Record<string, unknown>).every(isMs)).toBe(true);
  for (const note of (resumed ?? []) as Record<string, unknown>[]) {
    const { backend: b, strategy, afterCode, keptChars, result, ...more } = note;
    expect(ids.backends.has(b as string)).toBe(true);
    expect(['prefill', 'instruction']).toContain(strategy);
    expect(isCode(afterCode)).toBe(true);
    expect(isMs(keptChars)).toBe(true);
    expect(['completed', 'broken', 'refused', 'failed']).toContain(result);
    expect(more).toEqual({});
  }
  if (error !== undefined) expect(Object.keys(ERRORS)).toContain(error);
  if (fallback !== undefined) expect(fallback).toMatch(/^[\w.-]+->[\w.-]+$/);
  for (const wait of [waitedMs, sameModelWaitMs]) if (wait !== undefined) expect(isMs(wait)).toBe(true);
  if (retryBudgetExhausted !== undefined) expect(typeof retryBudgetExhausted).toBe('boolean');
}

describe('the request log line', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function setup(): Promise<{ gw: TestGateway; client: OpenAI }> {
    const a = await echoingUpstream();
    const b = await echoingUpstream();
    closers.push(
      () => new Promise((resolve) => a.server.close(resolve)),
      () => new Promise((resolve) => b.server.close(resolve)),
    );
    const gw = await startTestGateway({
      server: { apiKeys: [SECRETS.client] },
      backends: [
        { id: 'alpha', priority: 0, baseUrls: [a.baseUrl], credentials: [{ id: 'alpha-key', apiKey: SECRETS.a }] },
        { id: 'beta', priority: 1, baseUrls: [b.baseUrl], credentials: [{ apiKey: SECRETS.b }] },
      ],
    });
    closers.push(() => gw.close());
    return { gw, client: new OpenAI({ baseURL: gw.url, apiKey: SECRETS.client, maxRetries: 0 }) };
  }

  it('holds only ids, codes, numbers and route decisions, and no secret, whatever the upstreams echo', async () => {
    const { gw, client } = await setup();
    const ask = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: SECRETS.a }] }).catch(() => null);
    const streamed = async (model: string) => {
      const chunks = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
      for await (const chunk of chunks) expect(chunk.object).toBe('chat.completion.chunk');
    };
    await ask('ok');
    await streamed('ok');
    await streamed('stream-cut').catch(() => null);
    // Credentials turned away (429, then 401) last: after them no route is left.
    const models = ['fail-then-ok', 'fail-500', 'fail-400', SECRETS.b, 'fail-429', 'fail-401', 'fail-401'];
    for (const model of models) await ask(model);
    await gw.gateway.close();
    const lines = gw.logs.filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(models.length + 3);
    const credentials = new Set(['alpha-key', ...credentialList(gw.gateway.actors.view('pool:beta:default').context).map((c) => c.id)]);
    const ids = {
      backends: new Set(['alpha', 'beta']),
      credentials,
      models: new Set(['ok', 'fail-then-ok', 'fail-500', 'fail-401', 'fail-429', 'fail-400', 'stream-cut']),
    };
    for (const line of lines) checkLine(line, ids);
    expect(lines.map((l) => l.outcome)).toEqual(
      expect.arrayContaining(['success', 'upstream_failed', 'http_400', 'rate_limited', 'no_route_available']),
    );
    expect(lines.some((l) => l.model === '[redacted]')).toBe(true);
    expect(lines.some((l) => (l.attempts as unknown[]).length === 2)).toBe(true);
    const raw = gw.rawLogs.join('\n');
    for (const secret of Object.values(SECRETS)) expect(raw).not.toContain(secret);
  });
});
