import type { SampleAnswers } from '../types.js';

/** Gemini generateContent answers, whole and streamed (CRLF frames, no terminal event). */
export const geminiSamples: SampleAnswers = {
  speaks: (path) => /:(generateContent|streamGenerateContent)(\?|$)/.test(path),
  modelInPath(path) {
    const match = /\/models\/([^/:?]+):/.exec(path);
    return match ? decodeURIComponent(match[1]!) : null;
  },
  whole: (model, text) => ({
    ...chunk(text, 'STOP'),
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 },
    modelVersion: model,
  }),
  stream: (_model, pieces) => ({
    contentType: 'text/event-stream',
    frames: pieces.map((piece, i) => `data: ${JSON.stringify(chunk(piece, i === pieces.length - 1 ? 'STOP' : null))}\r\n\r\n`),
    terminal: null,
  }),
};

function chunk(text: string, finish: string | null): Record<string, unknown> {
  return { candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(finish ? { finishReason: finish } : {}), index: 0 }] };
}
