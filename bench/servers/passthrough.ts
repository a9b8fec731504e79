import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';

/**
 * The floor of any Node proxy: node:http in front of one undici Pool, `dispatch` with a
 * handler, request body buffered (small JSON), response streamed through as it arrives.
 * Usage: passthrough.ts <upstream origin> [port]. Prints `port <n>` once listening.
 */
const origin = process.argv[2] ?? 'http://127.0.0.1:9';
const pool = new Pool(origin, { connections: 1024, pipelining: 1 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

function forward(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const headers: Record<string, string> = { 'content-length': String(body.length) };
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  let controller: Dispatcher.DispatchController | null = null;
  res.on('close', () => {
    if (!res.writableFinished) controller?.abort(new Error('client went away'));
  });
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(ctrl) {
      controller = ctrl;
    },
    onResponseStart(_ctrl, status, upstreamHeaders) {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(upstreamHeaders)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      }
      res.writeHead(status, out);
    },
    onResponseData(ctrl, chunk) {
      if (!res.write(chunk)) {
        ctrl.pause();
        res.once('drain', () => ctrl.resume());
      }
    },
    onResponseEnd() {
      res.end();
    },
    onResponseError(_ctrl, error) {
      if (res.headersSent) res.destroy(error);
      else res.writeHead(502).end();
    },
  };
  pool.dispatch({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body }, handler);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => forward(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
});
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`));
const stop = () => {
  server.close();
  server.closeAllConnections();
  void pool.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
