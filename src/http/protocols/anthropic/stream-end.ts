import type { StreamEnding } from '../types.js';

/** A `message_delta` with a non-null `stop_reason` (`message_start` carries a null one); `message_stop` last. */
export const anthropicStreamEnding: StreamEnding = {
  finishSeen: (tail) => /"stop_reason"\s*:\s*"/.test(tail),
  terminalEvent: 'event: message_stop\ndata: {"type":"message_stop"}\n\n',
};
