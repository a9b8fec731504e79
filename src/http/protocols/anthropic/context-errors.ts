import type { UpstreamErrorKind } from '../../../routing/context-fallback.js';
import { errorOf, rootOf, textOf } from '../error-json.js';

/**
 * What an Anthropic 4xx error body says (`{"type": "error", "error": {"type", "message"}}`),
 * when it is one of the kinds routing cares about. Both come as `invalid_request_error`, so the
 * message tells them apart:
 * - context: "prompt is too long: 250000 tokens > 200000 maximum", "input length and
 *   `max_tokens` exceed context limit: … > 200000 …", "Input is too long for requested model"
 *   (the last from Anthropic models on Bedrock);
 * - content policy, checked first: "Output blocked by content filtering policy".
 * A 413 `request_too_large` is about bytes, not tokens: a larger context does not help.
 */
const CONTEXT_MESSAGES = ['prompt is too long', 'exceed context limit', 'input is too long'];

export function anthropicErrorKind(status: number, text: string): UpstreamErrorKind | null {
  if (status !== 400) return null;
  const error = errorOf(rootOf(text));
  if (error === null || textOf(error.type) !== 'invalid_request_error') return null;
  const message = textOf(error.message).toLowerCase();
  if (message.includes('content filtering policy')) return 'content_policy';
  return CONTEXT_MESSAGES.some((phrase) => message.includes(phrase)) ? 'context_length' : null;
}
