import type { StreamCollection } from '../types.js';
import { CompletionCollector } from './stream-collect.js';

/**
 * `streamOnly` for OpenAI completions: the request is sent with `stream: true` (and
 * `stream_options.include_usage`, so the collected answer has usage) and the stream is
 * collected by CompletionCollector.
 */
export const openAiCollection: StreamCollection = {
  upstreamPaths: new Set(['/chat/completions', '/completions']),
  streamingBody,
  collector: () => new CompletionCollector(),
};

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
