import type { ResponseContext } from '../neutral/codec.js';
import type { AssistantPart, Json, NeutralChoice, NeutralResponse } from '../neutral/types.js';
import { isObject, lenientArguments, textOf } from '../neutral/json.js';
import { finishFromGemini, finishToGemini } from '../neutral/stop-reasons.js';
import { syntheticCallId } from '../neutral/tool-ids.js';
import { restoreToolName } from '../neutral/tool-names.js';
import { usageFromGemini, usageToGemini } from '../neutral/usage.js';

/**
 * Gemini GenerateContentResponse ⇄ neutral response. Calls without an id get a stable synthetic
 * one, `call_<responseId>_<candidate>_<n>`; a part's `thoughtSignature` becomes the signature of
 * the unsigned reasoning part just before it (a new empty one when there is none). A prompt blocked by
 * `promptFeedback.blockReason` is one empty choice finished by content_filter.
 */
export function parseGeminiParts(parts: unknown[], scope: string, context: ResponseContext, firstCall = 0): AssistantPart[] {
  const out: AssistantPart[] = [];
  let calls = firstCall;
  for (const raw of parts) {
    if (!isObject(raw)) continue;
    const signature = typeof raw.thoughtSignature === 'string' ? raw.thoughtSignature : undefined;
    if (raw.thought === true) {
      out.push({ type: 'reasoning', text: typeof raw.text === 'string' ? raw.text : '', ...(signature !== undefined ? { signature } : {}) });
      continue;
    }
    const previous = out.at(-1);
    if (signature !== undefined && previous?.type === 'reasoning' && previous.signature === undefined) previous.signature = signature;
    else if (signature !== undefined) out.push({ type: 'reasoning', text: '', signature });
    if (typeof raw.text === 'string') out.push({ type: 'text', text: raw.text });
    else if (isObject(raw.functionCall)) {
      const call = raw.functionCall;
      const id = typeof call.id === 'string' && call.id !== '' ? call.id : syntheticCallId(scope, calls);
      calls += 1;
      out.push({
        type: 'tool-call',
        id,
        name: restoreToolName(textOf(call.name), context.toolNames),
        arguments: JSON.stringify(isObject(call.args) ? call.args : {}),
      });
    } else if (isObject(raw.inlineData) && textOf(raw.inlineData.mimeType).startsWith('image/')) {
      out.push({ type: 'image', source: { kind: 'base64', mediaType: textOf(raw.inlineData.mimeType), data: textOf(raw.inlineData.data) } });
    }
  }
  return out;
}

export function parseGeminiResponse(body: Json, context: ResponseContext): NeutralResponse {
  const id = typeof body.responseId === 'string' ? body.responseId : '';
  const candidates = Array.isArray(body.candidates) ? body.candidates.filter(isObject) : [];
  const choices = candidates.map((candidate, i): NeutralChoice => {
    const index = typeof candidate.index === 'number' ? candidate.index : i;
    const parts = isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : [];
    const content = parseGeminiParts(parts, `${id || 'gemini'}_${index}`, context);
    return {
      index,
      content,
      finishReason: finishFromGemini(
        candidate.finishReason as string | undefined,
        content.some((p) => p.type === 'tool-call'),
      ),
    };
  });
  if (choices.length === 0 && isObject(body.promptFeedback) && body.promptFeedback.blockReason)
    choices.push({ index: 0, content: [], finishReason: 'content_filter' });
  const response: NeutralResponse = { id, model: typeof body.modelVersion === 'string' ? body.modelVersion : context.model, created: 0, choices };
  const usage = usageFromGemini(body.usageMetadata);
  if (usage) response.usage = usage;
  return response;
}

/** Neutral assistant parts → Gemini parts; a signature-only reasoning part signs the next part. */
export function encodeGeminiParts(parts: AssistantPart[]): Json[] {
  const out: Json[] = [];
  let signature: string | undefined;
  const add = (part: Json): void => {
    out.push(signature === undefined ? part : { ...part, thoughtSignature: signature });
    signature = undefined;
  };
  for (const part of parts) {
    if (part.type === 'reasoning') {
      if (part.text !== '') add({ text: part.text, thought: true, ...(part.signature !== undefined ? { thoughtSignature: part.signature } : {}) });
      else if (part.signature !== undefined) signature = part.signature;
    } else if (part.type === 'text') add({ text: part.text });
    else if (part.type === 'tool-call') add({ functionCall: { id: part.id, name: part.name, args: lenientArguments(part.arguments) } });
    else if (part.source.kind === 'base64') add({ inlineData: { mimeType: part.source.mediaType, data: part.source.data } });
    else add({ fileData: { fileUri: part.source.url } });
  }
  if (signature !== undefined) out.push({ text: '', thoughtSignature: signature });
  return out;
}

export function encodeGeminiResponse(response: NeutralResponse): Json {
  const body: Json = {
    candidates: response.choices.map((choice) => ({
      content: { role: 'model', parts: encodeGeminiParts(choice.content) },
      finishReason: finishToGemini(choice.finishReason),
      index: choice.index,
    })),
    modelVersion: response.model,
    responseId: response.id,
  };
  if (response.usage) body.usageMetadata = usageToGemini(response.usage);
  return body;
}
