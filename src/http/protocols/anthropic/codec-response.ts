import type { ResponseContext } from '../neutral/codec.js';
import type { AssistantPart, Json, NeutralResponse } from '../neutral/types.js';
import { asArray, isObject, lenientArguments, textOf } from '../neutral/json.js';
import { finishFromAnthropic, finishToAnthropic } from '../neutral/stop-reasons.js';
import { restoreToolName } from '../neutral/tool-names.js';
import { usageFromAnthropic, usageToAnthropic } from '../neutral/usage.js';
import { parseImage } from './codec-request.js';

/**
 * Anthropic message ⇄ neutral response (one choice). Server-tool blocks (server_tool_use,
 * web_search_tool_result, ...) have no neutral form and are not carried.
 */
export function parseAnthropicResponse(body: Json, context: ResponseContext): NeutralResponse {
  const content: AssistantPart[] = [];
  asArray(body.content ?? [], 'content').forEach((raw, i) => {
    if (!isObject(raw)) return;
    const part = parseBlock(raw, `content[${i}]`, context);
    if (part) content.push(part);
  });
  const stopSequence = typeof body.stop_sequence === 'string' ? body.stop_sequence : undefined;
  const response: NeutralResponse = {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : context.model,
    created: 0,
    choices: [
      {
        index: 0,
        content,
        finishReason: finishFromAnthropic(body.stop_reason as string | undefined),
        ...(stopSequence !== undefined ? { stopSequence } : {}),
      },
    ],
  };
  const usage = usageFromAnthropic(body.usage);
  if (usage) response.usage = usage;
  return response;
}

function parseBlock(block: Json, field: string, context: ResponseContext): AssistantPart | undefined {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: typeof block.text === 'string' ? block.text : '' };
    case 'thinking':
      return {
        type: 'reasoning',
        text: typeof block.thinking === 'string' ? block.thinking : '',
        ...(typeof block.signature === 'string' ? { signature: block.signature } : {}),
      };
    case 'redacted_thinking':
      return { type: 'reasoning', text: '', redacted: typeof block.data === 'string' ? block.data : '' };
    case 'tool_use':
      return {
        type: 'tool-call',
        id: textOf(block.id),
        name: restoreToolName(textOf(block.name), context.toolNames),
        arguments: JSON.stringify(isObject(block.input) ? block.input : {}),
      };
    case 'image':
      return parseImage(block, field);
    default:
      return undefined;
  }
}

export function encodeAnthropicBlock(part: AssistantPart): Json | undefined {
  switch (part.type) {
    case 'text':
      return part.text === '' ? undefined : { type: 'text', text: part.text };
    case 'reasoning':
      return part.redacted !== undefined
        ? { type: 'redacted_thinking', data: part.redacted }
        : { type: 'thinking', thinking: part.text, signature: part.signature ?? '' };
    case 'tool-call':
      return { type: 'tool_use', id: part.id, name: part.name, input: lenientArguments(part.arguments) };
    case 'image':
      return undefined;
  }
}

export function encodeAnthropicResponse(response: NeutralResponse): Json {
  const choice = response.choices[0];
  const content = (choice?.content ?? []).map(encodeAnthropicBlock).filter((b): b is Json => b !== undefined);
  const usage = response.usage ?? { inputTokens: 0, outputTokens: 0 };
  return {
    id: response.id,
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: finishToAnthropic(choice?.finishReason ?? 'stop', choice?.stopSequence),
    stop_sequence: choice?.stopSequence ?? null,
    usage: usageToAnthropic(usage),
  };
}
