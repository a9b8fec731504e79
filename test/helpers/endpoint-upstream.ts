import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A small openai-kind upstream on 127.0.0.1 for the endpoints beyond chat: it records each
 * request's raw bytes (uploads stay byte for byte) and answers as `answer` says: a whole body of
 * any content type, an event stream (optionally ended early or reset), or a reset connection.
 */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type Answer =
  | { readonly kind: 'whole'; readonly status?: number; readonly contentType: string; readonly body: Buffer | string }
  /** These SSE events, in order; `reset`: the connection is destroyed after them instead of ending. */
  | { readonly kind: 'events'; readonly events: readonly string[]; readonly reset?: boolean }
  | { readonly kind: 'reset' };

export interface EndpointUpstream {
  readonly baseUrl: string;
  readonly received: Received[];
  answer: (request: Received) => Answer;
  close(): Promise<void>;
}

export async function startEndpointUpstream(answer: EndpointUpstream['answer']): Promise<EndpointUpstream> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      upstream.received.push(request);
      const reply = upstream.answer(request);
      if (reply.kind === 'reset') {
        res.socket?.destroy();
      } else if (reply.kind === 'whole') {
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType });
        res.end(reply.body);
      } else {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // The reset comes once the events have been handed to the socket, so the client has them first.
        res.write(reply.events.join(''), () => {
          if (reply.reset) res.socket?.destroy();
          else res.end();
        });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstream: EndpointUpstream = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    received: [],
    answer,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return upstream;
}

/** One SSE event of the Responses API: `event: <type>` and its JSON data. */
export function responsesEvent(type: string, sequence: number, data: Record<string, unknown> = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence, ...data })}\n\n`;
}

/** A Responses API answer object whose one message says `text`. */
export function responseObject(model: string, text: string, status = 'completed'): Record<string, unknown> {
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 0,
    status,
    model,
    output: [
      {
        type: 'message',
        id: 'msg_1',
        status,
        role: 'assistant',
        content: status === 'completed' ? [{ type: 'output_text', text, annotations: [] }] : [],
      },
    ],
    usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
  };
}

/** A Responses stream saying `pieces`, ending with `response.completed` unless `complete` is false. */
export function responsesStream(model: string, pieces: readonly string[], complete = true): string[] {
  const events = [responsesEvent('response.created', 0, { response: responseObject(model, '', 'in_progress') })];
  pieces.forEach((delta, index) =>
    events.push(responsesEvent('response.output_text.delta', index + 1, { item_id: 'msg_1', output_index: 0, content_index: 0, delta })),
  );
  if (complete) events.push(responsesEvent('response.completed', pieces.length + 1, { response: responseObject(model, pieces.join('')) }));
  return events;
}
