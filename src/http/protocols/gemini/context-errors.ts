import type { UpstreamErrorKind } from '../../../routing/context-fallback.js';
import { errorOf, rootOf, textOf } from '../error-json.js';

/**
 * What a Gemini 4xx error body says (`{"error": {"code": 400, "status": 'INVALID_ARGUMENT',
 * "message"}}`, or an array of them from streamGenerateContent), when routing cares:
 * - context: "The input token count (1200293) exceeds the maximum number of tokens allowed
 *   (1048576)." (Gemini API and Vertex AI).
 * Gemini's safety blocks are answers, not errors (200 with `promptFeedback.blockReason` or a
 * candidate's `finishReason: "SAFETY"`), so they pass through as any answer does.
 */
const CONTEXT = /input token count.*exceeds the maximum number of tokens/i;

export function geminiErrorKind(status: number, text: string): UpstreamErrorKind | null {
  if (status !== 400) return null;
  const error = errorOf(rootOf(text));
  if (error === null) return null;
  const grpcStatus = textOf(error.status);
  if (grpcStatus !== '' && grpcStatus !== 'INVALID_ARGUMENT') return null;
  return CONTEXT.test(textOf(error.message)) ? 'context_length' : null;
}
