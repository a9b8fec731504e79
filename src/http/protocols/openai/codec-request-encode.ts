import type { EncodeRequestContext } from '../neutral/codec.js';
import type { ImagePart, Json, NeutralMessage, NeutralRequest, ToolResultPart } from '../neutral/types.js';
import { imageToUrl } from '../neutral/images.js';
import { refuse } from '../neutral/refusal.js';
import { budgetToEffort } from '../neutral/reasoning.js';
import { shortenToolName } from '../neutral/tool-names.js';

/**
 * Neutral request → OpenAI Chat Completions body. System entries stay separate system messages;
 * reasoning parts are dropped (Chat Completions takes no reasoning input); images in tool
 * results move to a user message right after the tool messages (tool messages are text only).
 */
export function encodeOpenAiRequest(request: NeutralRequest, context: EncodeRequestContext): { body: Json; model: string; stream: boolean } {
  if (request.topK !== undefined) refuse('top_k', 'OpenAI Chat Completions has no top_k');
  const messages: Json[] = request.system.map((text) => ({ role: 'system', content: text }));
  groupToolMessages(request.messages).forEach((message, i) => encodeMessage(message, i, messages, context));
  const body: Json = { model: request.model, messages };
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: shortenToolName(tool.name, context.toolNames),
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.parameters,
      },
    }));
  }
  const choice = request.toolChoice;
  if (choice && request.tools.length > 0)
    body.tool_choice =
      choice.type === 'tool' ? { type: 'function', function: { name: shortenToolName(choice.name, context.toolNames) } } : choice.type;
  if (request.parallelToolCalls !== undefined && request.tools.length > 0) body.parallel_tool_calls = request.parallelToolCalls;
  assignSampling(request, body);
  if (request.stream) body.stream_options = { include_usage: true };
  return { body, model: request.model, stream: request.stream };
}

/** A run of tool messages is encoded together, so images moved out of them follow the whole run. */
function groupToolMessages(messages: readonly NeutralMessage[]): NeutralMessage[] {
  const groups: NeutralMessage[] = [];
  for (const message of messages) {
    const last = groups.at(-1);
    if (message.role === 'tool' && last?.role === 'tool') last.content = [...last.content, ...message.content];
    else groups.push({ role: message.role, content: message.content });
  }
  return groups;
}

function assignSampling(request: NeutralRequest, body: Json): void {
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.n !== undefined) body.n = request.n;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  const format = request.responseFormat;
  if (format?.type === 'json') body.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: format.name ?? 'response', schema: format.schema, ...(format.strict !== undefined ? { strict: format.strict } : {}) },
    };
  }
  const reasoning = request.reasoning;
  if (reasoning?.enabled) body.reasoning_effort = reasoning.effort ?? budgetToEffort(reasoning.budgetTokens ?? 8192);
  body.stream = request.stream;
}

function encodeMessage(message: NeutralMessage, i: number, out: Json[], context: EncodeRequestContext): void {
  const field = `messages[${i}]`;
  if (message.role === 'tool') {
    encodeToolResults(
      message.content.filter((p): p is ToolResultPart => p.type === 'tool-result'),
      out,
    );
    return;
  }
  if (message.role === 'user') {
    const results = message.content.filter((p): p is ToolResultPart => p.type === 'tool-result');
    if (results.length > 0) encodeToolResults(results, out);
    const rest = message.content.filter((p) => p.type === 'text' || p.type === 'image');
    if (rest.length > 0 || results.length === 0) out.push({ role: 'user', content: userContent(rest) });
    return;
  }
  let text = '';
  const calls: Json[] = [];
  message.content.forEach((part, j) => {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'tool-call')
      calls.push({ id: part.id, type: 'function', function: { name: shortenToolName(part.name, context.toolNames), arguments: part.arguments } });
    else if (part.type === 'image') refuse(`${field}.content[${j}]`, 'OpenAI assistant messages cannot contain images');
  });
  const encoded: Json = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
  if (calls.length > 0) encoded.tool_calls = calls;
  out.push(encoded);
}

function userContent(parts: Array<ImagePart | { type: 'text'; text: string }>): unknown {
  if (parts.length === 1 && parts[0]?.type === 'text') return parts[0].text;
  return parts.map((part) =>
    part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image_url', image_url: { url: imageToUrl(part.source) } },
  );
}

function encodeToolResults(results: ToolResultPart[], out: Json[]): void {
  const images: Json[] = [];
  for (const result of results) {
    const text = result.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
    out.push({ role: 'tool', tool_call_id: result.toolCallId, content: text });
    const own = result.content.filter((p): p is ImagePart => p.type === 'image');
    if (own.length === 0) continue;
    images.push({ type: 'text', text: `Images returned by tool call ${result.toolCallId}:` });
    for (const part of own) images.push({ type: 'image_url', image_url: { url: imageToUrl(part.source) } });
  }
  if (images.length > 0) out.push({ role: 'user', content: images });
}
