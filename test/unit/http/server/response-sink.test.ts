import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ResponseSink } from '../../../../src/http/server/response-sink.js';

/** The head a ResponseSink writes, read by a real client from a real server on 127.0.0.1. */
describe('ResponseSink', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    server = null;
  });

  async function headOf(answer: (sink: ResponseSink) => void, before?: (res: import('node:http').ServerResponse) => void) {
    server = createServer((_req, res) => {
      before?.(res);
      answer(new ResponseSink(res, 'openai', 'req-fusebox-1'));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const reply = await request(`http://127.0.0.1:${port}/`);
    const body = await reply.body.text();
    const raw = Object.entries(reply.headers).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => [name, v]) : [[name, value]]));
    return { status: reply.statusCode, body, raw };
  }

  it("writes the upstream's headers, then fusebox's own over any of the same name, each once, with its own length and request id", async () => {
    const upstream = { 'content-type': 'application/json', 'x-request-id': 'upstream-id', 'x-fusebox-attempts': '9', 'x-ratelimit-remaining': '7' };
    const { status, body, raw } = await headOf((sink) =>
      sink.respond(201, upstream, { 'x-fusebox-attempts': '1', 'x-fusebox-backend': 'b1' }, Buffer.from('{"a":1}')),
    );
    expect(status).toBe(201);
    expect(body).toBe('{"a":1}');
    const named = (name: string) => raw.filter(([n]) => n === name).map(([, v]) => v);
    expect(named('x-request-id')).toEqual(['req-fusebox-1']);
    expect(named('x-fusebox-attempts')).toEqual(['1']);
    expect(named('x-fusebox-backend')).toEqual(['b1']);
    expect(named('content-length')).toEqual(['7']);
    expect(named('content-type')).toEqual(['application/json']);
    expect(named('x-ratelimit-remaining')).toEqual(['7']);
    expect(upstream['x-request-id']).toBe('upstream-id'); // the caller's objects are not changed
  });

  it('keeps headers the front door set before (CORS), and a stream head says no-cache over the upstream cache policy', async () => {
    const { raw, body } = await headOf(
      (sink) => {
        sink.start(200, { 'content-type': 'text/event-stream', 'cache-control': 'max-age=60' }, { 'x-fusebox-attempts': '1' });
        void sink.write(Buffer.from('data: {}\n\n'));
        sink.end();
      },
      (res) => res.setHeader('access-control-allow-origin', 'http://app.test'),
    );
    const named = (name: string) => raw.filter(([n]) => n === name).map(([, v]) => v);
    expect(named('access-control-allow-origin')).toEqual(['http://app.test']);
    expect(named('cache-control')).toEqual(['no-cache']);
    expect(named('x-request-id')).toEqual(['req-fusebox-1']);
    expect(body).toBe('data: {}\n\n');
  });
});
