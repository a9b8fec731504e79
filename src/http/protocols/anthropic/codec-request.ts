import type {
  ContentPart,
  ImagePart,
  ImageSource,
  Json,
  NeutralMessage,
  NeutralRequest,
  NeutralTool,
  TextPart,
  ToolChoice,
} from '../neutral/types.js';
import { asArray, asObject, isObject, optNumber, optString, refuseUnknown, textOf } from '../neutral/json.js';
import { refuse } from '../neutral/refusal.js';
import { fillToolNames } from '../neutral/tool-ids.js';

/**
 * Anthropic Messages request → neutral request. Each system block is one system entry
 * (`cache_control` is not carried); a user turn's tool_result blocks become a neutral `tool`
 * message, the rest stays `user`, in order.
 */
const KNOWN = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'stream',
  'tools',
  'tool_choice',
  'thinking',
  'metadata',
  'service_tier',
]);

export function parseAnthropicRequest(body: Json): NeutralRequest {
  refuseUnknown(body, KNOWN, '');
  const messages: NeutralMessage[] = [];
  asArray(body.messages, 'messages').forEach((raw, i) => parseMessage(asObject(raw, `messages[${i}]`), `messages[${i}]`, messages));
  fillToolNames(messages);
  const request: NeutralRequest = {
    model: optString(body.model, 'model') ?? refuse('model', 'is required'),
    system: parseSystem(body.system),
    messages,
    tools: body.tools === undefined ? [] : asArray(body.tools, 'tools').map((t, i) => parseTool(asObject(t, `tools[${i}]`), `tools[${i}]`)),
    stream: body.stream === true,
  };
  const pairs = [
    ['max_tokens', 'maxTokens'],
    ['temperature', 'temperature'],
    ['top_p', 'topP'],
    ['top_k', 'topK'],
  ] as const;
  for (const [wire, key] of pairs) {
    const value = optNumber(body[wire], wire);
    if (value !== undefined) request[key] = value;
  }
  if (body.stop_sequences !== undefined)
    request.stop = asArray(body.stop_sequences, 'stop_sequences').map((s, i) => optString(s, `stop_sequences[${i}]`) ?? '');
  parseToolChoice(body.tool_choice, request);
  parseThinking(body.thinking, request);
  return request;
}

function parseSystem(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return [raw];
  return asArray(raw, 'system').map((block, i) => {
    const b = asObject(block, `system[${i}]`);
    if (b.type !== 'text') refuse(`system[${i}].type`, 'only text system blocks can be translated');
    return optString(b.text, `system[${i}].text`) ?? '';
  });
}

export function parseImage(block: Json, field: string): ImagePart {
  const source = asObject(block.source, `${field}.source`);
  let image: ImageSource;
  if (source.type === 'base64') image = { kind: 'base64', mediaType: textOf(source.media_type), data: textOf(source.data) };
  else if (source.type === 'url')
    image = { kind: 'url', url: optString(source.url, `${field}.source.url`) ?? refuse(`${field}.source.url`, 'is required') };
  else refuse(`${field}.source.type`, `image source ${JSON.stringify(source.type)} cannot be translated`);
  return { type: 'image', source: image };
}

function parseResultContent(raw: unknown, field: string): Array<TextPart | ImagePart> {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return [{ type: 'text', text: raw }];
  return asArray(raw, field).map((item, k) => {
    const block = asObject(item, `${field}[${k}]`);
    if (block.type === 'text') return { type: 'text', text: optString(block.text, `${field}[${k}].text`) ?? '' };
    if (block.type === 'image') return parseImage(block, `${field}[${k}]`);
    return refuse(`${field}[${k}].type`, `tool result block ${JSON.stringify(block.type)} cannot be translated`);
  });
}

function parseBlock(block: Json, field: string): ContentPart {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: optString(block.text, `${field}.text`) ?? '' };
    case 'image':
      return parseImage(block, field);
    case 'tool_use':
      return {
        type: 'tool-call',
        id: optString(block.id, `${field}.id`) ?? refuse(`${field}.id`, 'is required'),
        name: optString(block.name, `${field}.name`) ?? refuse(`${field}.name`, 'is required'),
        arguments: JSON.stringify(isObject(block.input) ? block.input : {}),
      };
    case 'tool_result': {
      const part: ContentPart = {
        type: 'tool-result',
        toolCallId: optString(block.tool_use_id, `${field}.tool_use_id`) ?? refuse(`${field}.tool_use_id`, 'is required'),
        content: parseResultContent(block.content, `${field}.content`),
      };
      if (block.is_error === true) part.isError = true;
      return part;
    }
    case 'thinking':
      return {
        type: 'reasoning',
        text: optString(block.thinking, `${field}.thinking`) ?? '',
        ...(typeof block.signature === 'string' && block.signature !== '' ? { signature: block.signature } : {}),
      };
    case 'redacted_thinking':
      return { type: 'reasoning', text: '', redacted: optString(block.data, `${field}.data`) ?? '' };
    default:
      return refuse(`${field}.type`, `content block ${JSON.stringify(block.type)} cannot be translated`);
  }
}

function parseMessage(message: Json, field: string, out: NeutralMessage[]): void {
  const role = message.role;
  if (role !== 'user' && role !== 'assistant') refuse(`${field}.role`, `role ${JSON.stringify(role)} cannot be translated`);
  if (typeof message.content === 'string') {
    out.push({ role, content: [{ type: 'text', text: message.content }] });
    return;
  }
  const parts = asArray(message.content, `${field}.content`).map((b, j) =>
    parseBlock(asObject(b, `${field}.content[${j}]`), `${field}.content[${j}]`),
  );
  if (role === 'assistant') {
    out.push({ role, content: parts });
    return;
  }
  for (const part of parts) {
    const target = part.type === 'tool-result' ? 'tool' : 'user';
    const last = out.at(-1);
    if (last && last.role === target) last.content.push(part);
    else out.push({ role: target, content: [part] });
  }
}

function parseTool(tool: Json, field: string): NeutralTool {
  if (tool.type !== undefined && tool.type !== 'custom') refuse(`${field}.type`, `server tool ${JSON.stringify(tool.type)} cannot be translated`);
  const out: NeutralTool = {
    name: optString(tool.name, `${field}.name`) ?? refuse(`${field}.name`, 'is required'),
    parameters: isObject(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} },
  };
  const description = optString(tool.description, `${field}.description`);
  if (description !== undefined) out.description = description;
  return out;
}

function parseToolChoice(raw: unknown, request: NeutralRequest): void {
  if (raw === undefined || raw === null) return;
  const choice = asObject(raw, 'tool_choice');
  const map: Record<string, ToolChoice['type']> = { auto: 'auto', any: 'required', none: 'none', tool: 'tool' };
  const type = map[String(choice.type)] ?? refuse('tool_choice.type', `${JSON.stringify(choice.type)} cannot be translated`);
  request.toolChoice =
    type === 'tool' ? { type, name: optString(choice.name, 'tool_choice.name') ?? refuse('tool_choice.name', 'is required') } : { type };
  if (choice.disable_parallel_tool_use === true) request.parallelToolCalls = false;
}

function parseThinking(raw: unknown, request: NeutralRequest): void {
  if (raw === undefined || raw === null) return;
  const thinking = asObject(raw, 'thinking');
  if (thinking.type === 'disabled') request.reasoning = { enabled: false };
  else if (thinking.type === 'enabled') {
    const budget = optNumber(thinking.budget_tokens, 'thinking.budget_tokens');
    request.reasoning = budget === undefined ? { enabled: true } : { enabled: true, budgetTokens: budget };
  } else if (thinking.type === 'adaptive') request.reasoning = { enabled: true };
  else refuse('thinking.type', `${JSON.stringify(thinking.type)} cannot be translated`);
}
