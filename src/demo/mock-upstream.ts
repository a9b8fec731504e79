import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dialectOf, modelOf, streamShape, wholeAnswer } from './mock-shapes.js';

/**
 * A scriptable upstream on 127.0.0.1, for the demo, the tests and the benchmarks. Each
 * request asks `script` how to behave; the default answers like a model. Answers take the
 * shape of the API the path names: OpenAI, Anthropic (`/messages`) or Gemini
 * (`:generateContent`, `:streamGenerateContent`).
 */
export type Behavior =
  | { readonly kind: 'ok'; readonly text?: string; readonly delayMs?: number; readonly headers?: Record<string, string> }
  | {
      readonly kind: 'stream';
      readonly chunks?: number;
      readonly gapMs?: number;
      readonly firstChunkDelayMs?: number;
      /** Destroy the socket after this many chunks. */
      readonly resetAfter?: number;
      /** Send the response headers at once, then wait `firstChunkDelayMs` for the first chunk. */
      readonly headersFirst?: boolean;
      /** While waiting for the first chunk, send an SSE comment this often (bytes, no data). */
      readonly keepAliveMs?: number;
      /** End the response cleanly without the terminal event (`[DONE]`, `message_stop`). */
      readonly withoutTerminal?: boolean;
    }
  /** A 200 event stream with no data event: nothing at all, or only `data: [DONE]`. */
  | { readonly kind: 'empty-stream'; readonly done?: boolean; readonly comment?: boolean }
  /** Exactly these bytes as a 200 (or `status`) answer of `contentType` (default text/event-stream). */
  | { readonly kind: 'raw'; readonly text: string; readonly status?: number; readonly contentType?: string }
  | { readonly kind: 'status'; readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface MockUpstream {
  readonly port: number;
  /** e.g. http://127.0.0.1:PORT/v1 */
  readonly baseUrl: string;
  /** e.g. http://127.0.0.1:PORT */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Requests whose connection closed before the answer ended. */
  readonly aborted: RecordedRequest[];
  script: (request: RecordedRequest, index: number) => Behavior;
  close(): Promise<void>;
}

export async function startMockUpstream(script: MockUpstream['script'] = () => ({ kind: 'ok' }), name = 'mock'): Promise<MockUpstream> {
  const sockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const upstream: MockUpstream = {
    port: 0,
    baseUrl: '',
    origin: '',
    requests: [],
    aborted: [],
    script,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = upstream.requests.push(recorded) - 1;
      res.on('close', () => {
        if (!res.writableFinished) upstream.aborted.push(recorded);
      });
      behave(upstream.script(recorded, index), recorded, res, name, later);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(upstream, { port, baseUrl: `http://127.0.0.1:${port}/v1`, origin: `http://127.0.0.1:${port}` });
}

function behave(behavior: Behavior, request: RecordedRequest, res: ServerResponse, name: string, later: (ms: number, fn: () => void) => void): void {
  const model = modelOf(request.path, request.body);
  switch (behavior.kind) {
    case 'ok': {
      const body = JSON.stringify(wholeAnswer(dialectOf(request.path), model, behavior.text ?? `hello from ${name}`));
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/json', ...behavior.headers });
        res.end(body);
      };
      if (behavior.delayMs) later(behavior.delayMs, send);
      else send();
      return;
    }
    case 'stream': {
      streamChunks(behavior, request, res, name, later);
      return;
    }
    case 'raw':
      res.writeHead(behavior.status ?? 200, { 'content-type': behavior.contentType ?? 'text/event-stream' });
      res.end(behavior.text);
      return;
    case 'empty-stream':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${behavior.comment ? ': keep-alive\n\n' : ''}${behavior.done ? 'data: [DONE]\n\n' : ''}`);
      return;
    case 'status':
      res.writeHead(behavior.status, { 'content-type': 'application/json', ...behavior.headers });
      res.end(JSON.stringify(behavior.body ?? { error: { message: `scripted ${behavior.status}`, type: 'server_error' } }));
      return;
    case 'reset':
      res.socket?.destroy();
      return;
    case 'hang':
      return;
  }
}

function streamChunks(
  behavior: Extract<Behavior, { kind: 'stream' }>,
  request: RecordedRequest,
  res: ServerResponse,
  name: string,
  later: (ms: number, fn: () => void) => void,
): void {
  const total = behavior.chunks ?? 3;
  const pieces = Array.from({ length: total }, (_v, i) => (i === 0 ? `${name}:` : ` ${i}`));
  const shape = streamShape(dialectOf(request.path), modelOf(request.path, request.body), pieces, wantsUsage(request.body));
  let sent = 0;
  let waiting = true;
  const sendNext = () => {
    waiting = false;
    if (res.destroyed) return;
    if (behavior.resetAfter !== undefined && sent >= behavior.resetAfter) {
      res.socket?.destroy();
      return;
    }
    if (sent === shape.frames.length) {
      res.end(behavior.withoutTerminal ? undefined : (shape.terminal ?? undefined));
      return;
    }
    res.write(shape.frames[sent]);
    sent += 1;
    later(behavior.gapMs ?? 1, sendNext);
  };
  const writeHead = () => res.writeHead(200, { 'content-type': shape.contentType, 'cache-control': 'no-cache' });
  const keepAlive = () => {
    if (!waiting || res.destroyed || behavior.keepAliveMs === undefined) return;
    res.write(': keep-alive\n\n');
    later(behavior.keepAliveMs, keepAlive);
  };
  if (behavior.headersFirst || behavior.keepAliveMs !== undefined) {
    writeHead();
    res.flushHeaders();
    keepAlive();
  }
  later(behavior.firstChunkDelayMs ?? 0, () => {
    if (res.destroyed) return;
    if (!res.headersSent) writeHead();
    sendNext();
  });
}

function wantsUsage(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { stream_options?: { include_usage?: unknown } };
    return parsed.stream_options?.include_usage === true;
  } catch {
    return false;
  }
}
