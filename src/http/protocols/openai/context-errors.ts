import type { UpstreamErrorKind } from '../../../routing/context-fallback.js';
import { errorOf, isFields, rootOf, textOf } from '../error-json.js';

/**
 * What an OpenAI-compatible 4xx error body says, when it is one of the kinds routing cares
 * about. Shapes recognised (`{"error": {"message", "type", "code", ...}}`):
 * - context: `code: "context_length_exceeded"` (OpenAI, Azure, Groq; Chat Completions and
 *   Responses), llama.cpp's `type: "exceed_context_size_error"`, and the messages of servers
 *   that send no such code ("This model's maximum context length is …" from vLLM, DeepSeek,
 *   OpenRouter; "Your input exceeds the context window …").
 * - content policy, checked first: `code: "content_filter"` or `"content_policy_violation"`,
 *   Azure's `innererror.code: "ResponsibleAIPolicyViolation"`, `type: "content_filter"`.
 */
const CONTEXT_MESSAGES = ['maximum context length', 'exceeds the context window', 'context length exceeded', 'exceeds the available context size'];
const POLICY_CODES = new Set(['content_filter', 'content_policy_violation']);

export function openAiErrorKind(status: number, text: string): UpstreamErrorKind | null {
  if (status < 400 || status >= 500) return null;
  const error = errorOf(rootOf(text));
  if (error === null) return null;
  const code = textOf(error.code);
  const type = textOf(error.type);
  const inner = isFields(error.innererror) ? textOf(error.innererror.code) : '';
  if (POLICY_CODES.has(code) || type === 'content_filter' || inner === 'ResponsibleAIPolicyViolation') return 'content_policy';
  if (code === 'context_length_exceeded' || type === 'exceed_context_size_error') return 'context_length';
  const message = textOf(error.message).toLowerCase();
  return CONTEXT_MESSAGES.some((phrase) => message.includes(phrase)) ? 'context_length' : null;
}
