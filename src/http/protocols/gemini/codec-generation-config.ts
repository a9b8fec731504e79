import type { Json, NeutralRequest } from '../neutral/types.js';
import { asArray, asObject, isObject, optNumber, optString, refuseUnknown } from '../neutral/json.js';
import { refuse } from '../neutral/refusal.js';
import { reasoningBudget } from '../neutral/reasoning.js';

/**
 * Gemini generationConfig ⇄ the neutral sampling fields. `responseMimeType: application/json`
 * with `responseJsonSchema` (or the OpenAPI-subset `responseSchema`) is the JSON response format;
 * `candidateCount` is `n`; `thinkingConfig.thinkingBudget` 0 disables thinking, -1 is dynamic.
 */
const KNOWN = new Set([
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'stopSequences',
  'seed',
  'candidateCount',
  'presencePenalty',
  'frequencyPenalty',
  'responseMimeType',
  'responseJsonSchema',
  'responseSchema',
  'thinkingConfig',
]);
const NUMBERS = [
  ['maxOutputTokens', 'maxTokens'],
  ['temperature', 'temperature'],
  ['topP', 'topP'],
  ['topK', 'topK'],
  ['seed', 'seed'],
  ['candidateCount', 'n'],
  ['presencePenalty', 'presencePenalty'],
  ['frequencyPenalty', 'frequencyPenalty'],
] as const;

export function parseGenerationConfig(config: Json, request: NeutralRequest): void {
  refuseUnknown(config, KNOWN, 'generationConfig.');
  for (const [wire, key] of NUMBERS) {
    const value = optNumber(config[wire], `generationConfig.${wire}`);
    if (value !== undefined) request[key] = value;
  }
  if (config.stopSequences !== undefined) request.stop = asArray(config.stopSequences, 'generationConfig.stopSequences').map((s) => String(s));
  const mime = optString(config.responseMimeType, 'generationConfig.responseMimeType');
  const schema = isObject(config.responseJsonSchema)
    ? config.responseJsonSchema
    : isObject(config.responseSchema)
      ? config.responseSchema
      : undefined;
  if (mime === 'application/json') request.responseFormat = schema ? { type: 'json_schema', schema } : { type: 'json' };
  else if (mime !== undefined && mime !== 'text/plain') refuse('generationConfig.responseMimeType', `${mime} cannot be translated`);
  else if (schema) refuse('generationConfig.responseJsonSchema', 'needs responseMimeType application/json');
  if (config.thinkingConfig !== undefined) {
    const thinking = asObject(config.thinkingConfig, 'generationConfig.thinkingConfig');
    const budget = optNumber(thinking.thinkingBudget, 'generationConfig.thinkingConfig.thinkingBudget');
    if (budget === 0) request.reasoning = { enabled: false };
    else if (budget !== undefined && budget > 0) request.reasoning = { enabled: true, budgetTokens: budget };
    else if (thinking.includeThoughts === true || budget === -1) request.reasoning = { enabled: true };
    const level = optString(thinking.thinkingLevel, 'generationConfig.thinkingConfig.thinkingLevel');
    if (level !== undefined) request.reasoning = { enabled: true, effort: level.toLowerCase() === 'low' ? 'low' : 'high' };
  }
}

export function encodeGenerationConfig(request: NeutralRequest): Json | undefined {
  const config: Json = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.stop !== undefined && request.stop.length > 0) config.stopSequences = request.stop;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.n !== undefined) config.candidateCount = request.n;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  const format = request.responseFormat;
  if (format?.type === 'json') config.responseMimeType = 'application/json';
  else if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    const { $schema: _schema, ...schema } = format.schema;
    config.responseJsonSchema = schema;
  }
  const reasoning = request.reasoning;
  if (reasoning?.enabled)
    config.thinkingConfig = {
      includeThoughts: true,
      thinkingBudget: reasoning.budgetTokens ?? (reasoning.effort ? reasoningBudget(reasoning, -1) : -1),
    };
  else if (reasoning) config.thinkingConfig = { thinkingBudget: 0 };
  return Object.keys(config).length > 0 ? config : undefined;
}
