import type { EncodeRequestContext } from '../neutral/codec.js';
import type { ContentPart, Json, NeutralRequest } from '../neutral/types.js';
import { SYSTEM_SEPARATOR } from '../neutral/types.js';
import { cleanGeminiSchema } from '../neutral/gemini-schema.js';
import { requireBase64 } from '../neutral/images.js';
import { isObject, parseArguments } from '../neutral/json.js';
import { refuse } from '../neutral/refusal.js';
import { shortenToolName } from '../neutral/tool-names.js';
import { mergeTurns } from '../neutral/turns.js';
import { encodeGenerationConfig } from './codec-generation-config.js';

/**
 * Neutral request → Gemini generateContent body (the model and stream go in the path: the
 * wiring builds `models/<model>:generateContent` or `:streamGenerateContent?alt=sse`).
 * System entries are joined with SYSTEM_SEPARATOR into one systemInstruction; turns merge into
 * alternating user/model contents; no ids are sent (calls and responses pair by name and order);
 * a reasoning signature rides on the next part as `thoughtSignature` (reasoning text is not sent
 * back); images in tool results follow the turn's functionResponse parts as inlineData; tool
 * schemas are cleaned for Gemini. `parallelToolCalls` has no Gemini equivalent and is not sent.
 * Gemini 3 and later reject a replayed functionCall without a signature: one whose history came
 * from a client that cannot carry signatures gets Google's documented validator-skip sentinel on
 * the turn's first functionCall (where Gemini itself puts the signature of parallel calls).
 */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';
const NEEDS_SIGNATURE = /^(?:models\/)?gemini-(?:[3-9]|\d{2,})/;

export function encodeGeminiRequest(request: NeutralRequest, context: EncodeRequestContext): { body: Json; model: string; stream: boolean } {
  const body: Json = {};
  const system = request.system.filter((text) => text !== '');
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join(SYSTEM_SEPARATOR) }] };
  body.contents = mergeTurns(request.messages, (role) => (role === 'assistant' ? 'model' : 'user'))
    .map((turn, i) => ({
      role: turn.role,
      parts: encodeParts(turn.content, `messages[${i}]`, context, turn.role === 'model' && NEEDS_SIGNATURE.test(request.model)),
    }))
    .filter((content) => content.parts.length > 0);
  if (request.tools.length > 0) {
    body.tools = [{ functionDeclarations: request.tools.map((tool) => declaration(tool.name, tool.description, tool.parameters, context)) }];
  }
  const choice = request.toolChoice;
  if (choice && request.tools.length > 0) {
    const mode = { auto: 'AUTO', none: 'NONE', required: 'ANY', tool: 'ANY' }[choice.type];
    body.toolConfig = {
      functionCallingConfig: { mode, ...(choice.type === 'tool' ? { allowedFunctionNames: [shortenToolName(choice.name, context.toolNames)] } : {}) },
    };
  }
  const config = encodeGenerationConfig(request);
  if (config) body.generationConfig = config;
  return { body, model: request.model, stream: request.stream };
}

function declaration(name: string, description: string | undefined, parameters: Json, context: EncodeRequestContext): Json {
  const out: Json = { name: shortenToolName(name, context.toolNames) };
  if (description !== undefined) out.description = description;
  const schema = cleanGeminiSchema(parameters);
  if (!(isObject(schema.properties) && Object.keys(schema.properties).length === 0) && Object.keys(schema).some((key) => key !== 'type'))
    out.parameters = schema;
  return out;
}

function encodeParts(parts: ContentPart[], field: string, context: EncodeRequestContext, needsSignature: boolean): Json[] {
  const out: Json[] = [];
  const trailing: Json[] = [];
  let signature: string | undefined;
  let signedCall = false;
  const add = (part: Json): void => {
    out.push(signature === undefined ? part : { ...part, thoughtSignature: signature });
    signature = undefined;
  };
  parts.forEach((part, j) => {
    const pf = `${field}.content[${j}]`;
    switch (part.type) {
      case 'text': {
        add({ text: part.text });
        return;
      }
      case 'image': {
        const { mediaType, data } = requireBase64(part.source, pf);
        add({ inlineData: { mimeType: mediaType, data } });
        return;
      }
      case 'tool-call':
        if (needsSignature && !signedCall && signature === undefined) signature = SKIP_SIGNATURE;
        signedCall = true;
        {
          add({
            functionCall: { name: shortenToolName(part.name, context.toolNames), args: parseArguments(part.arguments, `${pf}.arguments`) },
          });
          return;
        }
      case 'tool-result': {
        const name =
          part.toolName ?? refuse(pf, `tool result ${part.toolCallId} answers no tool call in the conversation (Gemini needs the function name)`);
        const text = part.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
        add({ functionResponse: { name: shortenToolName(name, context.toolNames), response: part.isError ? { error: text } : { output: text } } });
        for (const p of part.content)
          if (p.type === 'image')
            trailing.push({ inlineData: { mimeType: requireBase64(p.source, pf).mediaType, data: requireBase64(p.source, pf).data } });
        return;
      }
      case 'reasoning':
        if (part.signature !== undefined) signature = part.signature;
        return;
    }
  });
  if (signature !== undefined) out.push({ text: '', thought: true, thoughtSignature: signature });
  return [...out, ...trailing];
}
