import type {
  ContentPart,
  ImagePart,
  Json,
  NeutralMessage,
  NeutralRequest,
  NeutralTool,
  ResponseFormat,
  TextPart,
  ToolChoice,
} from '../neutral/types.js';
import { asArray, asObject, isObject, optNumber, optString, refuseUnknown } from '../neutral/json.js';
import { imageFromUrl } from '../neutral/images.js';
import { refuse } from '../neutral/refusal.js';
import { fillToolNames } from '../neutral/tool-ids.js';

/** OpenAI Chat Completions request ⇄ neutral request. */
const KNOWN = new Set([
  'model',
  'messages',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'n',
  'presence_penalty',
  'frequency_penalty',
  'response_format',
  'reasoning_effort',
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
  'service_tier',
  'prompt_cache_key',
  'safety_identifier',
]);

export function parseOpenAiRequest(body: Json): NeutralRequest {
  refuseUnknown(body, KNOWN, '');
  const system: string[] = [];
  const messages: NeutralMessage[] = [];
  asArray(body.messages, 'messages').forEach((raw, i) => parseMessage(asObject(raw, `messages[${i}]`), `messages[${i}]`, system, messages));
  fillToolNames(messages);
  const request: NeutralRequest = {
    model: optString(body.model, 'model') ?? refuse('model', 'is required'),
    system,
    messages,
    tools: body.tools === undefined ? [] : asArray(body.tools, 'tools').map((t, i) => parseTool(t, `tools[${i}]`)),
    stream: body.stream === true,
  };
  const stop = body.stop;
  if (stop !== undefined && stop !== null)
    request.stop = typeof stop === 'string' ? [stop] : asArray(stop, 'stop').map((s, i) => optString(s, `stop[${i}]`) ?? '');
  assignNumbers(body, request);
  if (body.tool_choice !== undefined && body.tool_choice !== null) request.toolChoice = parseToolChoice(body.tool_choice);
  if (typeof body.parallel_tool_calls === 'boolean') request.parallelToolCalls = body.parallel_tool_calls;
  if (body.response_format !== undefined && body.response_format !== null) request.responseFormat = parseResponseFormat(body.response_format);
  const effort = optString(body.reasoning_effort, 'reasoning_effort');
  if (effort !== undefined) {
    if (effort === 'none') request.reasoning = { enabled: false };
    else if (effort === 'minimal' || effort === 'low' || effort === 'medium' || effort === 'high') request.reasoning = { enabled: true, effort };
    else refuse('reasoning_effort', `unknown value ${JSON.stringify(effort)}`);
  }
  if (isObject(body.stream_options) && body.stream_options.include_usage === true) request.includeUsage = true;
  return request;
}

function assignNumbers(body: Json, request: NeutralRequest): void {
  const maxTokens = optNumber(body.max_completion_tokens, 'max_completion_tokens') ?? optNumber(body.max_tokens, 'max_tokens');
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const pairs = [
    ['temperature', 'temperature'],
    ['top_p', 'topP'],
    ['seed', 'seed'],
    ['n', 'n'],
    ['presence_penalty', 'presencePenalty'],
    ['frequency_penalty', 'frequencyPenalty'],
  ] as const;
  for (const [wire, key] of pairs) {
    const value = optNumber(body[wire], wire);
    if (value !== undefined) request[key] = value;
  }
}

function textOf(content: unknown, field: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return asArray(content, field)
    .map((raw, j) => {
      const part = asObject(raw, `${field}[${j}]`);
      if (part.type !== 'text' && part.type !== 'refusal') refuse(`${field}[${j}].type`, `${String(part.type)} is not allowed here`);
      return optString(part.text ?? part.refusal, `${field}[${j}].text`) ?? '';
    })
    .join('');
}

function parseUserContent(content: unknown, field: string): Array<TextPart | ImagePart> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return asArray(content, field).map((raw, j): TextPart | ImagePart => {
    const part = asObject(raw, `${field}[${j}]`);
    if (part.type === 'text') return { type: 'text', text: optString(part.text, `${field}[${j}].text`) ?? '' };
    if (part.type === 'image_url') {
      const url = optString(asObject(part.image_url, `${field}[${j}].image_url`).url, `${field}[${j}].image_url.url`);
      return { type: 'image', source: imageFromUrl(url ?? refuse(`${field}[${j}].image_url.url`, 'is required')) };
    }
    return refuse(`${field}[${j}].type`, `content part ${JSON.stringify(part.type)} cannot be translated`);
  });
}

function parseMessage(message: Json, field: string, system: string[], messages: NeutralMessage[]): void {
  const role = message.role;
  if (role === 'system' || role === 'developer') system.push(textOf(message.content, `${field}.content`));
  else if (role === 'user') messages.push({ role: 'user', content: parseUserContent(message.content, `${field}.content`) });
  else if (role === 'assistant') messages.push({ role: 'assistant', content: parseAssistant(message, field) });
  else if (role === 'tool') {
    const id = optString(message.tool_call_id, `${field}.tool_call_id`) ?? refuse(`${field}.tool_call_id`, 'is required');
    messages.push({
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: id, content: [{ type: 'text', text: textOf(message.content, `${field}.content`) }] }],
    });
  } else refuse(`${field}.role`, `role ${JSON.stringify(role)} cannot be translated`);
}

function parseAssistant(message: Json, field: string): ContentPart[] {
  if (message.function_call !== undefined && message.function_call !== null) refuse(`${field}.function_call`, 'legacy function_call: use tool_calls');
  const parts: ContentPart[] = [];
  const reasoning = optString(message.reasoning_content, `${field}.reasoning_content`);
  if (reasoning) parts.push({ type: 'reasoning', text: reasoning });
  const text = textOf(message.content, `${field}.content`) || (optString(message.refusal, `${field}.refusal`) ?? '');
  if (text !== '') parts.push({ type: 'text', text });
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    asArray(message.tool_calls, `${field}.tool_calls`).forEach((raw, j) => {
      const call = asObject(raw, `${field}.tool_calls[${j}]`);
      const fn = asObject(call.function, `${field}.tool_calls[${j}].function`);
      parts.push({
        type: 'tool-call',
        id: optString(call.id, `${field}.tool_calls[${j}].id`) ?? refuse(`${field}.tool_calls[${j}].id`, 'is required'),
        name: optString(fn.name, `${field}.tool_calls[${j}].function.name`) ?? '',
        arguments: optString(fn.arguments, `${field}.tool_calls[${j}].function.arguments`) ?? '',
      });
    });
  }
  return parts;
}

function parseTool(raw: unknown, field: string): NeutralTool {
  const tool = asObject(raw, field);
  if (tool.type !== 'function') refuse(`${field}.type`, `tool type ${JSON.stringify(tool.type)} cannot be translated`);
  const fn = asObject(tool.function, `${field}.function`);
  const out: NeutralTool = {
    name: optString(fn.name, `${field}.function.name`) ?? refuse(`${field}.function.name`, 'is required'),
    parameters: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
  };
  const description = optString(fn.description, `${field}.function.description`);
  if (description !== undefined) out.description = description;
  return out;
}

function parseToolChoice(raw: unknown): ToolChoice {
  if (raw === 'auto' || raw === 'none' || raw === 'required') return { type: raw };
  const choice = asObject(raw, 'tool_choice');
  if (choice.type !== 'function') refuse('tool_choice.type', `${JSON.stringify(choice.type)} cannot be translated`);
  const name = optString(asObject(choice.function, 'tool_choice.function').name, 'tool_choice.function.name');
  return { type: 'tool', name: name ?? refuse('tool_choice.function.name', 'is required') };
}

function parseResponseFormat(raw: unknown): ResponseFormat {
  const format = asObject(raw, 'response_format');
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json' };
  if (format.type !== 'json_schema') refuse('response_format.type', `${JSON.stringify(format.type)} cannot be translated`);
  const spec = asObject(format.json_schema, 'response_format.json_schema');
  const out: ResponseFormat = { type: 'json_schema', schema: isObject(spec.schema) ? spec.schema : {} };
  if (typeof spec.name === 'string') out.name = spec.name;
  if (typeof spec.strict === 'boolean') out.strict = spec.strict;
  return out;
}
