import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scriptable OpenAI-compatible upstream on 127.0.0.1, for the demo, the tests and the
 * benchmarks. Each request asks `script` how to behave; the default answers like a model.
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
    }
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
  readonly requests: RecordedRequest[];
  /** Requests whose connection closed before the answer ended. */
  readonly aborted: RecordedRequest[];
  script: (request: RecordedRequest, index: number) => Behavior;
  close(): Promise<void>;
}

export async function startMockUpstream(
  script: MockUpstream['script'] = () => ({ kind: 'ok' }),
  name = 'mock',
): Promise<MockUpstream> {
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
  return Object.assign(upstream, { port, baseUrl: `http://127.0.0.1:${port}/v1` });
}

function behave(
  behavior: Behavior,
  request: RecordedRequest,
  res: ServerResponse,
  name: string,
  later: (ms: number, fn: () => void) => void,
): void {
  const model = modelOf(request.body);
  switch (behavior.kind) {
    case 'ok': {
      const body = JSON.stringify(completion(model, behavior.text ?? `hello from ${name}`));
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/json', ...behavior.headers });
        res.end(body);
      };
      if (behavior.delayMs) later(behavior.delayMs, send);
      else send();
      return;
    }
    case 'stream':
      return streamChunks(behavior, res, model, name, later);
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
  res: ServerResponse,
  model: string,
  name: string,
  later: (ms: number, fn: () => void) => void,
): void {
  const total = behavior.chunks ?? 3;
  let sent = 0;
  const sendNext = () => {
    if (res.destroyed) return;
    if (behavior.resetAfter !== undefined && sent >= behavior.resetAfter) {
      res.socket?.destroy();
      return;
    }
    if (sent === total) {
      res.end('data: [DONE]\n\n');
      return;
    }
    const delta = { content: sent === 0 ? `${name}:` : ` ${sent}` };
    res.write(`data: ${JSON.stringify(chunk(model, delta, sent === total - 1 ? 'stop' : null))}\n\n`);
    sent += 1;
    later(behavior.gapMs ?? 1, sendNext);
  };
  later(behavior.firstChunkDelayMs ?? 0, () => {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    sendNext();
  });
}

function modelOf(body: string): string {
  try {
    return String((JSON.parse(body) as { model?: unknown }).model ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

function completion(model: string, text: string): unknown {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  };
}

function chunk(model: string, delta: { content: string }, finish: string | null): unknown {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}
