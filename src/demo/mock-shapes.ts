/**
 * What the mock upstream's answers look like in each API dialect: a whole JSON answer, and a
 * stream as SSE frames plus its terminal frame (OpenAI `[DONE]`, Anthropic `message_stop`,
 * none for Gemini). The dialect is read from the request path.
 */
export type Dialect = 'openai' | 'anthropic' | 'gemini';

export interface StreamShape {
  readonly contentType: string;
  readonly frames: readonly string[];
  readonly terminal: string | null;
}

export function dialectOf(path: string): Dialect {
  if (/\/messages(\?|$)/.test(path)) return 'anthropic';
  if (/:(generateContent|streamGenerateContent)(\?|$)/.test(path)) return 'gemini';
  return 'openai';
}

/** The model named by the request: Gemini's path, else the body's `model`. */
export function modelOf(path: string, body: string): string {
  const gemini = /\/models\/([^/:?]+):/.exec(path);
  if (gemini) return decodeURIComponent(gemini[1]!);
  try {
    return String((JSON.parse(body) as { model?: unknown }).model ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

export function wholeAnswer(dialect: Dialect, model: string, text: string): unknown {
  switch (dialect) {
    case 'anthropic':
      return {
        id: 'msg_mock',
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 3, output_tokens: 4 },
      };
    case 'gemini':
      return { ...geminiChunk(text, 'STOP'), usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 }, modelVersion: model };
    default:
      return {
        id: 'chatcmpl-mock',
        object: 'chat.completion',
        created: 1_700_000_000,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      };
  }
}

/** `pieces` text deltas; `usage` adds OpenAI's final usage chunk (stream_options.include_usage). */
export function streamShape(dialect: Dialect, model: string, pieces: readonly string[], usage: boolean): StreamShape {
  switch (dialect) {
    case 'anthropic':
      return { contentType: 'text/event-stream', frames: anthropicFrames(model, pieces), terminal: anthropicEvent('message_stop', { type: 'message_stop' }) };
    case 'gemini':
      return {
        contentType: 'text/event-stream',
        frames: pieces.map((piece, i) => `data: ${JSON.stringify(geminiChunk(piece, i === pieces.length - 1 ? 'STOP' : null))}\r\n\r\n`),
        terminal: null,
      };
    default: {
      const frames = pieces.map((piece, i) => `data: ${JSON.stringify(openAiChunk(model, piece, i === pieces.length - 1 ? 'stop' : null))}\n\n`);
      if (usage) {
        const last = { ...(openAiChunk(model, '', null) as object), choices: [], usage: { prompt_tokens: 3, completion_tokens: pieces.length, total_tokens: 3 + pieces.length } };
        frames.push(`data: ${JSON.stringify(last)}\n\n`);
      }
      return { contentType: 'text/event-stream', frames, terminal: 'data: [DONE]\n\n' };
    }
  }
}

function openAiChunk(model: string, content: string, finish: string | null): unknown {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  };
}

function geminiChunk(text: string, finish: string | null): Record<string, unknown> {
  return { candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(finish ? { finishReason: finish } : {}), index: 0 }] };
}

function anthropicEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function anthropicFrames(model: string, pieces: readonly string[]): string[] {
  const message = { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } };
  return [
    anthropicEvent('message_start', { type: 'message_start', message }),
    anthropicEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...pieces.map((text) => anthropicEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    anthropicEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
    anthropicEvent('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: pieces.length } }),
  ];
}
