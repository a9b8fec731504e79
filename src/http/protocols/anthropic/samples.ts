import type { SampleAnswers } from '../types.js';

/** Anthropic messages, whole and streamed (`message_stop` last). */
export const anthropicSamples: SampleAnswers = {
  speaks: (path) => /\/messages(\?|$)/.test(path),
  whole: (model, text) => ({
    id: 'msg_mock',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 4 },
  }),
  stream: (model, pieces) => ({
    contentType: 'text/event-stream',
    frames: frames(model, pieces),
    terminal: event('message_stop', { type: 'message_stop' }),
  }),
};

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function frames(model: string, pieces: readonly string[]): string[] {
  const message = {
    id: 'msg_mock',
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 1 },
  };
  return [
    event('message_start', { type: 'message_start', message }),
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...pieces.map((text) => event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    event('content_block_stop', { type: 'content_block_stop', index: 0 }),
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: pieces.length },
    }),
  ];
}
