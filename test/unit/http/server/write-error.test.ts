import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FuseboxError } from '../../../../src/shared/errors.js';
import { writeError } from '../../../../src/http/server/write-error.js';
import { call } from '../../../helpers/raw-http.js';

describe('writeError', () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(answer: (res: ServerResponse) => void): Promise<number> {
    server = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('answers in the named protocol’s format with the error’s status and headers, its own winning', async () => {
    const error = new FuseboxError('overloaded', 'busy', 2500);
    const port = await serve((res) => writeError(res, error, 'gemini', 'req-1', { 'cache-control': 'no-store', 'content-type': 'text/plain' }));
    const reply = await call(port, { path: '/' });
    expect(reply.status).toBe(503);
    expect(reply.json()).toEqual({ error: { code: 503, message: 'busy', status: 'UNAVAILABLE' } });
    expect(reply.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(reply.text)),
      'x-request-id': 'req-1',
      'x-should-retry': 'false',
      'retry-after': '3',
      'cache-control': 'no-store',
    });
  });

  it('destroys a response whose head is already out instead of writing a second one', async () => {
    const port = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {}\n\n');
      writeError(res, new FuseboxError('internal_error', 'late'), 'openai', 'req-2');
    });
    await expect(call(port, { path: '/' })).rejects.toThrow();
  });
});
