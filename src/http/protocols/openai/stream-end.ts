import type { StreamEnding } from '../types.js';

/**
 * Chat and text completions: a choice with a non-null `finish_reason` (the usage chunk may follow
 * it); `data: [DONE]` last. The Responses API and image streams send named events instead and end
 * with a terminal one, with no `[DONE]`.
 */
export const openAiStreamEnding: StreamEnding = {
  finishSeen: (tail) => /"finish_reason"\s*:\s*"/.test(tail),
  terminalEvent: 'data: [DONE]\n\n',
  endingEvents: new Set(['response.completed', 'response.failed', 'response.incomplete', 'image_generation.completed', 'image_edit.completed']),
};
