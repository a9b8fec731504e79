import type { EncodeRequestContext } from '../neutral/codec.js';
import type { ContentPart, ImageSource, Json, NeutralRequest } from '../neutral/types.js';
import { parseArguments } from '../neutral/json.js';
import { refuse } from '../neutral/refusal.js';
import { reasoningBudget } from '../neutral/reasoning.js';
import { shortenToolName } from '../neutral/tool-names.js';
import { mergeTurns } from '../neutral/turns.js';

/**
 * Neutral request → Anthropic Messages body. Consecutive same-role turns are merged (tool results
 * ride in the user turn, first, as Anthropic requires); empty text blocks are never sent; each
 * system entry is one system text block. `max_tokens` is required: the request's, else
 * `context.defaultMaxTokens`, else DEFAULT_MAX_TOKENS. Reasoning without a signature is not
 * sent (Anthropic rejects unsigned thinking blocks).
 */
export const DEFAULT_MAX_TOKENS = 4096;
const MIN_THINKING_BUDGET = 1024;

export function encodeAnthropicRequest(request: NeutralRequest, context: EncodeRequestContext): { body: Json; model: string; stream: boolean } {
  refuseUnsupported(request);
  const body: Json = { model: request.model, max_tokens: request.maxTokens ?? context.defaultMaxTokens ?? DEFAULT_MAX_TOKENS };
  const system = request.system.filter((text) => text !== '').map((text) => ({ type: 'text', text }));
  if (system.length > 0) body.system = system;
  body.messages = mergeTurns(request.messages, (role) => (role === 'assistant' ? 'assistant' : 'user'))
    .map((turn, i) => {
      const blocks = turn.content.flatMap((part, j) => encodePart(part, `messages[${i}].content[${j}]`, context));
      const ordered =
        turn.role === 'user' ? [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')] : blocks;
      return { role: turn.role, content: ordered };
    })
    .filter((turn) => turn.content.length > 0);
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: shortenToolName(tool.name, context.toolNames),
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      input_schema: tool.parameters,
    }));
  }
  const choice = encodeToolChoice(request, context);
  if (choice) body.tool_choice = choice;
  encodeThinking(request, body);
  body.stream = request.stream;
  return { body, model: request.model, stream: request.stream };
}

function refuseUnsupported(request: NeutralRequest): void {
  if (request.n !== undefined && request.n !== 1) refuse('n', 'Anthropic Messages returns one answer per request (no n / candidateCount)');
  if (request.seed !== undefined) refuse('seed', 'Anthropic Messages has no seed');
  if (request.presencePenalty) refuse('presence_penalty', 'Anthropic Messages has no presence penalty');
  if (request.frequencyPenalty) refuse('frequency_penalty', 'Anthropic Messages has no frequency penalty');
  if (request.responseFormat && request.responseFormat.type !== 'text') refuse('response_format', 'Anthropic Messages has no JSON response format');
}

function encodeSource(source: ImageSource): Json {
  return source.kind === 'url' ? { type: 'url', url: source.url } : { type: 'base64', media_type: source.mediaType, data: source.data };
}

function encodePart(part: ContentPart, field: string, context: EncodeRequestContext): Json[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [{ type: 'text', text: part.text }];
    case 'image':
      return [{ type: 'image', source: encodeSource(part.source) }];
    case 'tool-call':
      return [
        {
          type: 'tool_use',
          id: part.id,
          name: shortenToolName(part.name, context.toolNames),
          input: parseArguments(part.arguments, `${field}.arguments`),
        },
      ];
    case 'tool-result': {
      const content = part.content.flatMap((p): Json[] =>
        p.type === 'text' ? (p.text === '' ? [] : [{ type: 'text', text: p.text }]) : [{ type: 'image', source: encodeSource(p.source) }],
      );
      return [
        {
          type: 'tool_result',
          tool_use_id: part.toolCallId,
          ...(content.length > 0 ? { content } : {}),
          ...(part.isError ? { is_error: true } : {}),
        },
      ];
    }
    case 'reasoning':
      if (part.redacted !== undefined) return [{ type: 'redacted_thinking', data: part.redacted }];
      return part.signature === undefined ? [] : [{ type: 'thinking', thinking: part.text, signature: part.signature }];
  }
}

function encodeToolChoice(request: NeutralRequest, context: EncodeRequestContext): Json | undefined {
  const choice = request.toolChoice;
  if (request.tools.length === 0) return undefined;
  let out: Json | undefined;
  if (choice?.type === 'required') out = { type: 'any' };
  else if (choice?.type === 'tool') out = { type: 'tool', name: shortenToolName(choice.name, context.toolNames) };
  else if (choice) out = { type: choice.type };
  if (request.parallelToolCalls === false && choice?.type !== 'none') out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

/** Anthropic needs MIN_THINKING_BUDGET ≤ budget_tokens < max_tokens: a larger budget is capped. */
function encodeThinking(request: NeutralRequest, body: Json): void {
  const reasoning = request.reasoning;
  if (!reasoning) return;
  if (!reasoning.enabled) {
    body.thinking = { type: 'disabled' };
    return;
  }
  const maxTokens = body.max_tokens as number;
  const budget = Math.min(reasoningBudget(reasoning, MIN_THINKING_BUDGET), maxTokens - 1);
  if (budget < MIN_THINKING_BUDGET) refuse('max_tokens', `Anthropic thinking needs max_tokens above ${MIN_THINKING_BUDGET}`);
  body.thinking = { type: 'enabled', budget_tokens: budget };
}
