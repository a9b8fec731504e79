import type { ResponseContext } from '../neutral/codec.js';
import type { AssistantPart, Json, NeutralChoice, NeutralResponse } from '../neutral/types.js';
import { asArray, asObject, isObject, optString } from '../neutral/json.js';
import { finishFromOpenAi, finishToOpenAi } from '../neutral/stop-reasons.js';
import { restoreToolName } from '../neutral/tool-names.js';
import { usageFromOpenAi, usageToOpenAi } from '../neutral/usage.js';

/**
 * OpenAI chat.completion ⇄ neutral response. Reasoning travels as the non-standard
 * `message.reasoning_content` (the convention of DeepSeek and vLLM); signatures are lost.
 */
export function parseOpenAiResponse(body: Json, context: ResponseContext): NeutralResponse {
  const choices = asArray(body.choices, 'choices').map((raw, i): NeutralChoice => {
    const choice = asObject(raw, `choices[${i}]`);
    const message = isObject(choice.message) ? choice.message : {};
    const content: AssistantPart[] = [];
    const reasoning = optString(message.reasoning_content, `choices[${i}].message.reasoning_content`);
    if (reasoning) content.push({ type: 'reasoning', text: reasoning });
    const text = optString(message.content, `choices[${i}].message.content`) ?? optString(message.refusal, `choices[${i}].message.refusal`);
    if (text) content.push({ type: 'text', text });
    if (Array.isArray(message.tool_calls)) {
      message.tool_calls.forEach((rawCall, j) => {
        const call = asObject(rawCall, `choices[${i}].message.tool_calls[${j}]`);
        const fn = isObject(call.function) ? call.function : {};
        content.push({
          type: 'tool-call',
          id: typeof call.id === 'string' ? call.id : `call_${i}_${j}`,
          name: restoreToolName(typeof fn.name === 'string' ? fn.name : '', context.toolNames),
          arguments: typeof fn.arguments === 'string' ? fn.arguments : '',
        });
      });
    }
    return {
      index: typeof choice.index === 'number' ? choice.index : i,
      content,
      finishReason: finishFromOpenAi(choice.finish_reason as string | undefined),
    };
  });
  const response: NeutralResponse = {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : context.model,
    created: typeof body.created === 'number' ? body.created : 0,
    choices,
  };
  const usage = usageFromOpenAi(body.usage);
  if (usage) response.usage = usage;
  return response;
}

export function encodeOpenAiResponse(response: NeutralResponse): Json {
  const body: Json = {
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model: response.model,
    choices: response.choices.map((choice) => ({
      index: choice.index,
      message: encodeMessage(choice.content),
      logprobs: null,
      finish_reason: finishToOpenAi(choice.finishReason),
    })),
  };
  if (response.usage) body.usage = usageToOpenAi(response.usage);
  return body;
}

function encodeMessage(parts: AssistantPart[]): Json {
  let text = '';
  let reasoning = '';
  const calls: Json[] = [];
  for (const part of parts) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'reasoning') reasoning += part.text;
    else if (part.type === 'tool-call') calls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } });
  }
  const message: Json = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text, refusal: null };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}
