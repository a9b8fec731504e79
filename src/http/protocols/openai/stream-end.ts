import type { StreamEnding } from '../types.js';

/** A choice with a non-null `finish_reason` (the usage chunk may follow it); `data: [DONE]` last. */
export const openAiStreamEnding: StreamEnding = {
  finishSeen: (tail) => /"finish_reason"\s*:\s*"/.test(tail),
  terminalEvent: 'data: [DONE]\n\n',
};
