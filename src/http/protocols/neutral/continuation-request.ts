import type { NeutralMessage, NeutralRequest } from './types.js';

/**
 * The continuation request of stream resume, in neutral form: the client's request plus the
 * answer it already has, for the route that is to continue it.
 *
 * - `prefill`: the partial text as the last assistant message (without trailing whitespace,
 *   which Anthropic refuses in a final assistant message); the model goes on from there.
 * - `instruction`: the partial text as an assistant turn, then a user message asking to
 *   continue exactly where it stopped.
 * Only the text is carried: reasoning and tool calls the client already has are not sent again
 * (a tool call in a final assistant turn would need its result). With no text so far the
 * request is the client's own, asked again. The continuation always streams.
 */
export type ContinuationStrategy = 'prefill' | 'instruction';

export const CONTINUE_INSTRUCTION =
  'Your previous answer was cut off. Continue it exactly where it stopped: do not repeat anything already written, start with the next character.';

export function continuationRequest(request: NeutralRequest, partialText: string, strategy: ContinuationStrategy): NeutralRequest {
  const kept = strategy === 'prefill' ? partialText.trimEnd() : partialText;
  if (kept === '') return { ...request, stream: true };
  const messages: NeutralMessage[] = [...request.messages, { role: 'assistant', content: [{ type: 'text', text: kept }] }];
  if (strategy === 'instruction') messages.push({ role: 'user', content: [{ type: 'text', text: CONTINUE_INSTRUCTION }] });
  return { ...request, messages, stream: true };
}
