import type { ParseRequestContext } from '../neutral/codec.js';
import type { ContentPart, Json, NeutralMessage, NeutralRequest, NeutralTool, ToolChoice } from '../neutral/types.js';
import { geminiSchemaToJsonSchema } from '../neutral/gemini-schema.js';
import { asArray, asObject, isObject, optString, refuseUnknown, textOf } from '../neutral/json.js';
import { refuse } from '../neutral/refusal.js';
import { syntheticCallId } from '../neutral/tool-ids.js';
import { parseGenerationConfig } from './codec-generation-config.js';

/**
 * Gemini generateContent request → neutral request. The model and whether it streams come from
 * the path (`context`). Gemini calls carry no ids unless the client set them: a call without one
 * gets `call_h<turn>_<n>`, and a functionResponse without one takes the id of the oldest
 * unanswered call of the same name. A part's `thoughtSignature` becomes a reasoning part (with
 * that signature) just before it. `safetySettings` has no equivalent elsewhere and is not carried.
 */
const KNOWN = new Set(['contents', 'systemInstruction', 'system_instruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'model']);

export function parseGeminiRequest(body: Json, context: ParseRequestContext): NeutralRequest {
  refuseUnknown(body, KNOWN, '');
  const model = context.model ?? optString(body.model, 'model') ?? refuse('model', 'is required (in the path)');
  const pending = new Map<string, string[]>();
  const messages: NeutralMessage[] = [];
  asArray(body.contents, 'contents').forEach((raw, i) => parseContent(asObject(raw, `contents[${i}]`), i, pending, messages));
  const request: NeutralRequest = {
    model: model.replace(/^models\//, ''),
    system: parseSystem(body.systemInstruction ?? body.system_instruction),
    messages,
    tools: parseTools(body.tools),
    stream: context.stream === true,
  };
  const choice = parseToolConfig(body.toolConfig);
  if (choice) request.toolChoice = choice;
  if (body.generationConfig !== undefined) parseGenerationConfig(asObject(body.generationConfig, 'generationConfig'), request);
  return request;
}

function parseSystem(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return [raw];
  const content = asObject(raw, 'systemInstruction');
  return asArray(content.parts, 'systemInstruction.parts').map(
    (p, i) => optString(asObject(p, `systemInstruction.parts[${i}]`).text, `systemInstruction.parts[${i}].text`) ?? '',
  );
}

function parseContent(content: Json, turn: number, pending: Map<string, string[]>, out: NeutralMessage[]): void {
  const field = `contents[${turn}]`;
  const role =
    content.role === 'model'
      ? 'assistant'
      : content.role === 'user' || content.role === undefined
        ? 'user'
        : refuse(`${field}.role`, `role ${JSON.stringify(content.role)} cannot be translated`);
  let calls = 0;
  asArray(content.parts, `${field}.parts`).forEach((raw, j) => {
    const part = asObject(raw, `${field}.parts[${j}]`);
    const pf = `${field}.parts[${j}]`;
    const parsed = parsePart(part, pf, () => syntheticCallId(`h${turn}`, calls++), pending);
    if (typeof part.thoughtSignature === 'string' && !part.thought)
      push(out, role, { type: 'reasoning', text: '', signature: part.thoughtSignature });
    if (parsed) push(out, parsed.type === 'tool-result' ? 'tool' : role, parsed);
  });
}

function push(out: NeutralMessage[], role: NeutralMessage['role'], part: ContentPart): void {
  const last = out.at(-1);
  if (last && last.role === role) last.content.push(part);
  else out.push({ role, content: [part] });
}

function parsePart(part: Json, field: string, nextId: () => string, pending: Map<string, string[]>): ContentPart | undefined {
  if (typeof part.text === 'string') {
    if (part.thought === true)
      return { type: 'reasoning', text: part.text, ...(typeof part.thoughtSignature === 'string' ? { signature: part.thoughtSignature } : {}) };
    return { type: 'text', text: part.text };
  }
  if (isObject(part.inlineData)) {
    const mimeType = textOf(part.inlineData.mimeType);
    if (!mimeType.startsWith('image/')) refuse(`${field}.inlineData.mimeType`, `inline ${mimeType || 'data'} cannot be translated (only images)`);
    return { type: 'image', source: { kind: 'base64', mediaType: mimeType, data: textOf(part.inlineData.data) } };
  }
  if (isObject(part.fileData)) {
    const uri = optString(part.fileData.fileUri, `${field}.fileData.fileUri`) ?? refuse(`${field}.fileData.fileUri`, 'is required');
    if (!textOf(part.fileData.mimeType).startsWith('image/')) refuse(`${field}.fileData`, 'only image files can be translated');
    return { type: 'image', source: { kind: 'url', url: uri } };
  }
  if (isObject(part.functionCall)) {
    const name = optString(part.functionCall.name, `${field}.functionCall.name`) ?? refuse(`${field}.functionCall.name`, 'is required');
    const id = typeof part.functionCall.id === 'string' && part.functionCall.id !== '' ? part.functionCall.id : nextId();
    pending.set(name, [...(pending.get(name) ?? []), id]);
    return { type: 'tool-call', id, name, arguments: JSON.stringify(isObject(part.functionCall.args) ? part.functionCall.args : {}) };
  }
  if (isObject(part.functionResponse)) return parseFunctionResponse(part.functionResponse, field, pending);
  if (part.thought === true) return undefined;
  return refuse(field, `part with fields ${Object.keys(part).join(', ')} cannot be translated`);
}

function parseFunctionResponse(response: Json, field: string, pending: Map<string, string[]>): ContentPart {
  const name = optString(response.name, `${field}.functionResponse.name`) ?? refuse(`${field}.functionResponse.name`, 'is required');
  const queue = pending.get(name) ?? [];
  const id = typeof response.id === 'string' && response.id !== '' ? response.id : queue[0];
  if (id === undefined) refuse(`${field}.functionResponse`, `answers no earlier functionCall named ${JSON.stringify(name)}`);
  pending.set(
    name,
    queue.filter((queued) => queued !== id),
  );
  const body = isObject(response.response) ? response.response : {};
  const keys = Object.keys(body);
  const single = keys.length === 1 && (keys[0] === 'output' || keys[0] === 'result' || keys[0] === 'error') ? body[keys[0]] : undefined;
  const text = typeof single === 'string' ? single : JSON.stringify(single !== undefined ? single : body);
  return {
    type: 'tool-result',
    toolCallId: id,
    toolName: name,
    content: [{ type: 'text', text }],
    ...('error' in body && keys.length === 1 ? { isError: true } : {}),
  };
}

function parseTools(raw: unknown): NeutralTool[] {
  if (raw === undefined || raw === null) return [];
  return asArray(raw, 'tools').flatMap((t, i) => {
    const tool = asObject(t, `tools[${i}]`);
    const other = Object.keys(tool).find((key) => key !== 'functionDeclarations');
    if (other !== undefined) refuse(`tools[${i}].${other}`, 'only functionDeclarations can be translated');
    return asArray(tool.functionDeclarations ?? [], `tools[${i}].functionDeclarations`).map((d, j): NeutralTool => {
      const decl = asObject(d, `tools[${i}].functionDeclarations[${j}]`);
      const schema = isObject(decl.parametersJsonSchema)
        ? decl.parametersJsonSchema
        : isObject(decl.parameters)
          ? geminiSchemaToJsonSchema(decl.parameters)
          : { type: 'object', properties: {} };
      const out: NeutralTool = { name: optString(decl.name, `tools[${i}].functionDeclarations[${j}].name`) ?? '', parameters: schema };
      if (typeof decl.description === 'string') out.description = decl.description;
      return out;
    });
  });
}

function parseToolConfig(raw: unknown): ToolChoice | undefined {
  if (raw === undefined || raw === null) return undefined;
  const config = asObject(asObject(raw, 'toolConfig').functionCallingConfig ?? {}, 'toolConfig.functionCallingConfig');
  const names = Array.isArray(config.allowedFunctionNames) ? config.allowedFunctionNames : [];
  switch (config.mode) {
    case undefined:
    case 'AUTO':
    case 'MODE_UNSPECIFIED':
      return { type: 'auto' };
    case 'NONE':
      return { type: 'none' };
    case 'ANY':
      if (names.length > 1)
        refuse('toolConfig.functionCallingConfig.allowedFunctionNames', 'several allowed names cannot be translated (one, or none)');
      return names.length === 1 ? { type: 'tool', name: String(names[0]) } : { type: 'required' };
    default:
      return refuse('toolConfig.functionCallingConfig.mode', `${JSON.stringify(config.mode)} cannot be translated`);
  }
}
