import type { StreamEnding } from '../types.js';

/**
 * Chat and text completions: a choice with a non-null `finish_reason` (the usage chunk may follow
 * it); `data: [DONE]` last. The Responses API streams named events instead and ends with one of
 * its three terminal events, with no `[DONE]`.
 */
export const openAiStreamEnding: StreamEnding = {
  finishSeen: (tail) => /"finish_reason"\s*:\s*"/.test(tail),
  terminalEvent: 'data: [DONE]\n\n',
  endingEvents: new Set(['response.completed', 'response.failed', 'response.incomplete']),
};
