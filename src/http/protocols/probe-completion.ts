import type { BackendConfig } from '../../config/schema.js';

/**
 * The smallest real completion of each protocol, for active recovery probes: where it goes
 * (relative to a BaseURL) and its body, asking `model` for at most `maxTokens` output tokens
 * of an answer to `prompt`.
 */
export function probeCompletion(kind: BackendConfig['kind'], model: string, maxTokens: number, prompt: string): { path: string; body: object } {
  switch (kind) {
    case 'anthropic':
      return { path: '/messages', body: { model, max_tokens: maxTokens, messages: [{ role: 'user', content: prompt }] } };
    case 'gemini':
      return {
        path: `/models/${model.replace(/^models\//, '')}:generateContent`,
        body: { contents: [{ role: 'user', parts: [{ text: prompt }] }], generationConfig: { maxOutputTokens: maxTokens } },
      };
    default:
      return { path: '/chat/completions', body: { model, messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens } };
  }
}
