import type { BackendConfig } from '../../config/schema.js';
import type { Job, UpstreamBody, UpstreamReply } from '../../routing/types.js';
import { UpstreamBodyError } from '../../routing/types.js';
import { drainBounded } from '../../routing/bounded-body.js';
import { CompletionCollector } from '../protocols/sse-collect.js';
import { memoryBody } from './body-queue.js';

/**
 * `streamOnly` backends: a non-streamed OpenAI completion request is sent upstream with
 * `stream: true` (and `stream_options.include_usage`, so the collected answer has usage), and
 * the stream is collected into one JSON reply before anything reaches the client, so every
 * failure along the way can still fail over. Only these requests have their body rewritten.
 */
const COLLECTABLE_PATHS = new Set(['/chat/completions', '/completions']);

export function collectsStream(backend: BackendConfig, job: Job): boolean {
  return backend.streamOnly && !job.stream && backend.kind === 'openai' && COLLECTABLE_PATHS.has(job.upstreamPath);
}

/** The client's body with streaming switched on; the body as is if it is not a JSON object. */
export function streamingBody(body: Buffer): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return body;
  const request = parsed as { stream_options?: unknown };
  const options = typeof request.stream_options === 'object' && request.stream_options !== null ? request.stream_options : {};
  return Buffer.from(JSON.stringify({ ...request, stream: true, stream_options: { ...options, include_usage: true } }));
}

/** Reads a proven stream to its end and answers with the collected JSON, or a failure. */
export async function collectReply(
  reply: Extract<UpstreamReply, { kind: 'response' }>,
  limit: number,
  now: () => number,
): Promise<UpstreamReply> {
  const started = now() - reply.headersAfterMs;
  const collector = new CompletionCollector();
  try {
    await drainBounded(reply.body, limit, { reject: 'response_too_large' }, (chunk) => collector.push(chunk));
    const json = collector.result();
    const headers = { ...reply.headers, 'content-type': 'application/json' };
    return { kind: 'response', status: reply.status, headers, body: memoryBody(json), headersAfterMs: reply.headersAfterMs };
  } catch (error) {
    const code = error instanceof UpstreamBodyError ? error.code : 'collect_error';
    return { kind: 'failed', code, message: (error as Error).message, afterMs: now() - started };
  }
}

