import { memberText, withMember } from '../../../shared/json-member.js';
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

/**
 * The client's body with streaming switched on, by splicing the `stream` and `stream_options`
 * members (the rest of the body is not re-serialised, so any depth works); the body as is if it
 * is not a JSON object.
 */
export function streamingBody(body: Buffer): Buffer {
  const streaming = withMember(body, 'stream', 'true');
  if (streaming === null) return body;
  return (
    withMember(streaming, 'stream_options', JSON.stringify({ ...streamOptions(memberText(body, 'stream_options')), include_usage: true })) ?? body
  );
}

/** The client's own `stream_options` object, when it sent one. */
function streamOptions(text: string | undefined): object {
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
