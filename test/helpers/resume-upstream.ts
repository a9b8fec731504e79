import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

/**
 * Scripted upstreams for the stream-resume tests: a node:http server on 127.0.0.1 whose every
 * answer is a list of SSE frames followed by how the stream ends (cleanly, reset, or stalled),
 * or a status with a JSON body. Frames go out one write each, so the gateway sees them as
 * separate chunks. `answer` builds a whole answer's frames in each protocol's own shape.
 */
export type Kind = 'openai' | 'anthropic' | 'gemini';

export type Reply =
  { readonly sse: readonly string[]; readonly then?: 'end' | 'reset' | 'stall' } | { readonly status: number; readonly body: unknown };

export interface SeenRequest {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface ScriptedUpstream {
  readonly origin: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

export async function scriptedUpstream(script: (request: SeenRequest, index: number) => Reply): Promise<ScriptedUpstream> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, 5);
    timers.add(timer);
  };
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen = { path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> };
      const reply = script(seen, requests.push(seen) - 1);
      if ('status' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const frames = [...reply.sse];
      const next = () => {
        if (res.destroyed) return;
        const frame = frames.shift();
        if (frame !== undefined) {
          res.write(frame);
          later(next);
        } else if (reply.then === 'reset') res.socket?.destroy();
        else if (reply.then !== 'stall') res.end();
      };
      next();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The BaseURL of a scripted upstream for a backend of `kind`. */
export function baseUrlOf(kind: Kind, origin: string): string {
  return kind === 'gemini' ? `${origin}/v1beta` : `${origin}/v1`;
}

export interface Usage {
  readonly input: number;
  readonly output: number;
}

/** A whole streamed answer of `kind`: the opening frames, one frame per text piece, the closing frames. */
export interface AnswerFrames {
  readonly head: string[];
  readonly pieces: string[];
  readonly tail: string[];
}

const frame = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

export function answer(kind: Kind, id: string, pieces: readonly string[], usage: Usage = { input: 5, output: 7 }): AnswerFrames {
  if (kind === 'openai') {
    const chunk = (delta: unknown, finish: string | null = null) =>
      frame({ id, object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
    return {
      head: [chunk({ role: 'assistant', content: '' })],
      pieces: pieces.map((text) => chunk({ content: text })),
      tail: [
        chunk({}, 'stop'),
        frame({ id, object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: openAiUsage(usage) }),
        'data: [DONE]\n\n',
      ],
    };
  }
  if (kind === 'anthropic') {
    const message = { id, type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: usage.input, output_tokens: 1 } };
    return {
      head: [
        frame({ type: 'message_start', message }, 'message_start'),
        frame({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
      ],
      pieces: pieces.map((text) => frame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta')),
      tail: [
        frame({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
        frame(
          { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } },
          'message_delta',
        ),
        frame({ type: 'message_stop' }, 'message_stop'),
      ],
    };
  }
  const candidate = (text: string, finish?: string) => ({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(finish ? { finishReason: finish } : {}) }],
    responseId: id,
  });
  const usageMetadata = { promptTokenCount: usage.input, candidatesTokenCount: usage.output, totalTokenCount: usage.input + usage.output };
  return { head: [], pieces: pieces.map((text) => frame(candidate(text))), tail: [frame({ ...candidate('', 'STOP'), usageMetadata })] };
}

function openAiUsage(usage: Usage) {
  return { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
}

/** A mid-stream upstream error event in `kind`'s shape. */
export function errorEvent(kind: Kind): string {
  if (kind === 'anthropic') return frame({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error');
  return frame({ error: { code: 503, message: 'the model is overloaded', status: 'UNAVAILABLE', type: 'server_error' } });
}

/** The whole answer's frames. */
export function whole(frames: AnswerFrames): string[] {
  return [...frames.head, ...frames.pieces, ...frames.tail];
}

/** The frames up to and including piece `n` (a cut after n pieces). */
export function cutAfter(frames: AnswerFrames, n: number): string[] {
  return [...frames.head, ...frames.pieces.slice(0, n)];
}
