import type { StreamEnding } from '../types.js';

/** No terminal event: a stream is finished once a candidate carries a `finishReason`. */
export const geminiStreamEnding: StreamEnding = {
  finishSeen: (tail) => /"finishReason"\s*:\s*"/.test(tail),
  terminalEvent: null,
};
