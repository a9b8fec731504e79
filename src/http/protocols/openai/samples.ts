import type { SampleAnswers } from '../types.js';

/** OpenAI chat completions, whole and streamed (`data: [DONE]` last; usage chunk on request). */
export const openAiSamples: SampleAnswers = {
  speaks: (path) => /\/(chat\/completions|completions|embeddings)(\?|$)/.test(path),
  whole: (model, text) => ({
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  }),
  stream(model, pieces, usage) {
    const frames = pieces.map((piece, i) => `data: ${JSON.stringify(chunk(model, piece, i === pieces.length - 1 ? 'stop' : null))}\n\n`);
    if (usage) {
      const last = {
        ...(chunk(model, '', null) as object),
        choices: [],
        usage: { prompt_tokens: 3, completion_tokens: pieces.length, total_tokens: 3 + pieces.length },
      };
      frames.push(`data: ${JSON.stringify(last)}\n\n`);
    }
    return { contentType: 'text/event-stream', frames, terminal: 'data: [DONE]\n\n' };
  },
};

function chunk(model: string, content: string, finish: string | null): unknown {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  };
}
