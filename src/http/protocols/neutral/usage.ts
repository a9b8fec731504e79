import type { Json, Usage } from './types.js';
import { isObject } from './json.js';

/**
 * Usage conversion with each protocol's cache semantics. Neutral usage is OpenAI's: input counts
 * every prompt token (cache reads and writes included), output includes reasoning tokens.
 * Anthropic `input_tokens` excludes cache reads and writes; Gemini `promptTokenCount` includes
 * cached tokens and `candidatesTokenCount` excludes thoughts.
 */
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

function withOptional(usage: Usage, key: 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens', value: unknown): void {
  if (typeof value === 'number' && value > 0) usage[key] = value;
}

export function usageFromOpenAi(raw: unknown): Usage | undefined {
  if (!isObject(raw)) return undefined;
  const usage: Usage = { inputTokens: num(raw.prompt_tokens), outputTokens: num(raw.completion_tokens) };
  withOptional(usage, 'cacheReadTokens', isObject(raw.prompt_tokens_details) ? raw.prompt_tokens_details.cached_tokens : undefined);
  withOptional(usage, 'reasoningTokens', isObject(raw.completion_tokens_details) ? raw.completion_tokens_details.reasoning_tokens : undefined);
  return usage;
}

export function usageToOpenAi(usage: Usage): Json {
  const out: Json = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cacheReadTokens !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cacheReadTokens };
  if (usage.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return out;
}

export function usageFromAnthropic(raw: unknown): Usage | undefined {
  if (!isObject(raw)) return undefined;
  const read = num(raw.cache_read_input_tokens);
  const write = num(raw.cache_creation_input_tokens);
  const usage: Usage = { inputTokens: num(raw.input_tokens) + read + write, outputTokens: num(raw.output_tokens) };
  withOptional(usage, 'cacheReadTokens', read);
  withOptional(usage, 'cacheWriteTokens', write);
  return usage;
}

export function usageToAnthropic(usage: Usage): Json {
  const read = usage.cacheReadTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const out: Json = { input_tokens: Math.max(0, usage.inputTokens - read - write), output_tokens: usage.outputTokens };
  if (usage.cacheWriteTokens !== undefined) out.cache_creation_input_tokens = write;
  if (usage.cacheReadTokens !== undefined) out.cache_read_input_tokens = read;
  return out;
}

export function usageFromGemini(raw: unknown): Usage | undefined {
  if (!isObject(raw)) return undefined;
  const thoughts = num(raw.thoughtsTokenCount);
  const usage: Usage = { inputTokens: num(raw.promptTokenCount), outputTokens: num(raw.candidatesTokenCount) + thoughts };
  withOptional(usage, 'cacheReadTokens', raw.cachedContentTokenCount);
  withOptional(usage, 'reasoningTokens', thoughts);
  return usage;
}

export function usageToGemini(usage: Usage): Json {
  const thoughts = usage.reasoningTokens ?? 0;
  const out: Json = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: Math.max(0, usage.outputTokens - thoughts),
    totalTokenCount: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cacheReadTokens !== undefined) out.cachedContentTokenCount = usage.cacheReadTokens;
  if (usage.reasoningTokens !== undefined) out.thoughtsTokenCount = thoughts;
  return out;
}
