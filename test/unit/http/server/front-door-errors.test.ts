import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import type { OperatorRoutes } from '../../../../src/http/admin/admin-routes.js';
import { createHttpServer, type FrontDoorServer } from '../../../../src/http/server/server.js';
import type { RoutingGeneration } from '../../../../src/routing/generation.js';
import { systemClock } from '../../../../src/shared/clock.js';

/**
 * The front door's own failures: whatever throws or rejects while a request is handled (before
 * its body is read, after it, in an operator route) is answered 500 `internal_error` in the
 * client's format and logged, and the server goes on answering. The request path allocates no
 * promise, so a throw after the body arrives happens inside the body's stream events: it must
 * still reach the client as an answer, never the process as an uncaught exception.
 */
const config = parseConfig({
  server: { port: 0 },
  backends: [{ id: 'a', kind: 'openai', baseUrls: ['http://127.0.0.1:9'], credentials: [{ apiKey: 'sk-test-0000000000' }], models: ['gpt-4o-mini'] }],
});

interface Started {
  readonly url: string;
  readonly logs: Record<string, unknown>[];
}

let server: FrontDoorServer | null = null;
afterEach(async () => {
  const open = server;
  server = null;
  if (open) await new Promise<void>((resolve) => open.close(() => resolve()));
});

async function start(generation: () => RoutingGeneration, operator?: OperatorRoutes): Promise<Started> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  server = createHttpServer({
    config,
    generation,
    pipeline: { submit: () => true },
    logger: pino(sink),
    clock: systemClock,
    closing: () => false,
    currentServer: () => config.server,
    ...(operator ? { operator } : {}),
  });
  const listening = server;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`, logs };
}

const broken = (): RoutingGeneration => {
  throw new Error('routing state is broken');
};

describe('the front door when fusebox itself fails', () => {
  it('answers a throw after the body was read with a 500 in the client format, and keeps serving', async () => {
    const { url, logs } = await start(broken);
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }) });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { type: string; code: string } };
    expect(body.error.code).toBe('internal_error');
    expect(logs.some((line) => line.msg === 'unexpected error while handling a request')).toBe(true);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('answers the same when the body arrived in many chunks (the throw is inside its end event)', async () => {
    const { url } = await start(broken);
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: 'x'.repeat(256 * 1024) });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('internal_error');
  });

  it('answers a model listing that cannot be made with a 500', async () => {
    const { url } = await start(broken);
    const res = await fetch(`${url}/v1/models`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('internal_error');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('answers an operator route that rejects with a 500', async () => {
    const operator: OperatorRoutes = {
      handles: (pathname) => pathname.startsWith('/admin/'),
      serve: () => Promise.reject(new Error('the admin route broke')),
    };
    const { url, logs } = await start(broken, operator);
    const res = await fetch(`${url}/admin/actors`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('internal_error');
    expect(logs.filter((line) => line.msg === 'unexpected error while handling a request')).toHaveLength(1);
  });
});
