import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfig } from '../../../../src/config/load.js';
import { checkConnectionsOnlyWhileOpen } from '../../../../src/http/server/connection-check.js';
import { createHttpServer } from '../../../../src/http/server/server.js';
import { systemClock } from '../../../../src/shared/clock.js';
import { cleanupAfterEach } from '../../../helpers/cleanups.js';

/**
 * Node's own header/request timeout check is an interval that, left alone, wakes an idle
 * server for ever. These tests look at that interval itself (the object Node keeps on the
 * server) and at the guard it enforces, on a real server on 127.0.0.1.
 */
function nodeInterval(server: Server): { _destroyed: boolean } | undefined {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
  return key === undefined ? undefined : (server as unknown as Record<symbol, { _destroyed: boolean }>)[key];
}

const until = async (done: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('the connection check runs only while a connection is open', () => {
  const cleanups = cleanupAfterEach();

  async function listening(): Promise<{ server: Server; port: number; check: { readonly armed: boolean } }> {
    const server = createServer({ headersTimeout: 200, requestTimeout: 1_000, connectionsCheckingInterval: 50 }, (_req, res) => res.end('ok'));
    const check = checkConnectionsOnlyWhileOpen(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { server, port: (server.address() as AddressInfo).port, check };
  }

  it('stops Node’s interval while no connection is open and starts it with the first one', async () => {
    const { server, port, check } = await listening();
    expect(check.armed).toBe(false);
    expect(nodeInterval(server)?._destroyed).toBe(true);

    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    await until(() => check.armed);
    expect(check.armed).toBe(true);
    expect(nodeInterval(server)?._destroyed).toBe(false);

    socket.destroy();
    await until(() => !check.armed);
    expect(check.armed).toBe(false);
    expect(nodeInterval(server)?._destroyed).toBe(true);
  });

  it('still closes a connection whose headers never finish (408)', async () => {
    const { port } = await listening();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8').on('data', (text: string) => (received += text));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
    // Only the server's header timeout can end this connection.
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('keeps the check while one of two connections is still open', async () => {
    const { port, check } = await listening();
    const first = connect(port, '127.0.0.1');
    const second = connect(port, '127.0.0.1');
    await Promise.all([first, second].map((s) => new Promise((resolve) => s.once('connect', resolve))));
    await until(() => check.armed);
    first.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(check.armed).toBe(true);
    second.destroy();
    await until(() => !check.armed);
    expect(check.armed).toBe(false);
  });
});

describe('the front door', () => {
  const cleanups = cleanupAfterEach();

  it('keeps Node’s connection check stopped while no client is connected', async () => {
    const config = parseConfig({
      server: { port: 0 },
      backends: [{ id: 'a', kind: 'openai', baseUrls: ['http://127.0.0.1:9'], credentials: [{ apiKey: 'sk-test-0000000000' }], models: ['m'] }],
    });
    const server = createHttpServer({
      config,
      generation: () => {
        throw new Error('not routed in this test');
      },
      pipeline: { submit: () => true },
      logger: pino({ level: 'silent' }),
      clock: systemClock,
      closing: () => false,
      currentServer: () => config.server,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    expect(nodeInterval(server)?._destroyed).toBe(true);

    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    await until(() => nodeInterval(server)?._destroyed === false);
    expect(nodeInterval(server)?._destroyed).toBe(false);
    socket.destroy();
    await until(() => nodeInterval(server)?._destroyed === true);
    expect(nodeInterval(server)?._destroyed).toBe(true);
  });
});
