import type { FinishReason } from './types.js';

/** The one stop-reason table: each protocol's reasons to the neutral FinishReason and back. */
const FROM_OPENAI: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

const FROM_ANTHROPIC: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  pause_turn: 'other',
};

const FROM_GEMINI: Record<string, FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
};

export function finishFromOpenAi(reason: string | null | undefined): FinishReason {
  return (reason && FROM_OPENAI[reason]) || 'other';
}
export function finishFromAnthropic(reason: string | null | undefined): FinishReason {
  return (reason && FROM_ANTHROPIC[reason]) || 'other';
}
/** Gemini says STOP also when the turn ends in function calls: `hasToolCalls` makes it tool_calls. */
export function finishFromGemini(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  const mapped = (reason && FROM_GEMINI[reason]) || 'other';
  return mapped === 'stop' && hasToolCalls ? 'tool_calls' : mapped;
}

const TO_OPENAI: Record<FinishReason, string> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  error: 'stop',
  other: 'stop',
};
const TO_ANTHROPIC: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
  error: 'end_turn',
  other: 'end_turn',
};
const TO_GEMINI: Record<FinishReason, string> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  tool_calls: 'STOP',
  content_filter: 'SAFETY',
  error: 'MALFORMED_FUNCTION_CALL',
  other: 'OTHER',
};

export const finishToOpenAi = (reason: FinishReason): string => TO_OPENAI[reason];
/** A stop caused by a known stop sequence is Anthropic's `stop_sequence`. */
export const finishToAnthropic = (reason: FinishReason, stopSequence?: string): string =>
  reason === 'stop' && stopSequence !== undefined ? 'stop_sequence' : TO_ANTHROPIC[reason];
export const finishToGemini = (reason: FinishReason): string => TO_GEMINI[reason];
