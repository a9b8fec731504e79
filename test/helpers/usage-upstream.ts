import type { Behavior, RecordedRequest } from './upstream.js';

/**
 * Scripted answers of every protocol that report known token usage (input `USAGE.input`,
 * output `USAGE.output`), whole and streamed, so tests can prove what fusebox counted.
 */
export const USAGE = { input: 11, output: 7 } as const;

const openAiChunk = (choices: unknown[], usage: unknown) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-test', choices, usage })}\n\n`;

const OPENAI_STREAM = [
  openAiChunk([{ index: 0, delta: { role: 'assistant', content: 'counted' }, finish_reason: null }], null),
  openAiChunk([{ index: 0, delta: {}, finish_reason: 'stop' }], null),
  openAiChunk([], { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output }),
  'data: [DONE]\n\n',
].join('');

const OPENAI_WHOLE = {
  id: 'c1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-test',
  choices: [{ index: 0, message: { role: 'assistant', content: 'counted' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output },
};

const anthropicEvent = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

const ANTHROPIC_STREAM = [
  anthropicEvent('message_start', {
    type: 'message_start',
    message: {
      id: 'm1',
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: USAGE.input, output_tokens: 1 },
    },
  }),
  anthropicEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  anthropicEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'counted' } }),
  anthropicEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
  anthropicEvent('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: USAGE.output },
  }),
  anthropicEvent('message_stop', { type: 'message_stop' }),
].join('');

const ANTHROPIC_WHOLE = {
  id: 'm1',
  type: 'message',
  role: 'assistant',
  model: 'claude-test',
  content: [{ type: 'text', text: 'counted' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: USAGE.input, output_tokens: USAGE.output },
};

const GEMINI_USAGE = { promptTokenCount: USAGE.input, candidatesTokenCount: USAGE.output, totalTokenCount: USAGE.input + USAGE.output };
const geminiChunk = (text: string, last: boolean) =>
  `data: ${JSON.stringify({
    candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
    ...(last ? { usageMetadata: GEMINI_USAGE } : {}),
  })}\r\n\r\n`;

const GEMINI_STREAM = geminiChunk('coun', false) + geminiChunk('ted', true);
const GEMINI_WHOLE = {
  candidates: [{ content: { parts: [{ text: 'counted' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
  usageMetadata: GEMINI_USAGE,
};

/** The answer for a request to any protocol's chat endpoint, streamed when the request asks. */
export function usageAnswer(request: RecordedRequest): Behavior {
  const streamed = request.path.includes(':streamGenerateContent') || /"stream"\s*:\s*true/.test(request.body);
  const [stream, whole] = request.path.includes('/messages')
    ? [ANTHROPIC_STREAM, ANTHROPIC_WHOLE]
    : request.path.includes(':')
      ? [GEMINI_STREAM, GEMINI_WHOLE]
      : [OPENAI_STREAM, OPENAI_WHOLE];
  return streamed ? { kind: 'raw', text: stream } : { kind: 'raw', text: JSON.stringify(whole), contentType: 'application/json' };
}
