import type { Json } from './types.js';
import { isObject, textOf } from './json.js';

/**
 * Gemini `functionDeclarations[].parameters` take an OpenAPI-3.0 subset of JSON Schema (the
 * `Schema` type of the Gemini API). `cleanGeminiSchema` keeps only the keywords that subset has
 * and rewrites the common ones it lacks:
 * - local `$ref` into `$defs`/`definitions` is inlined (a cycle becomes `{type: object}`);
 * - `type: [T, "null"]` becomes `type: T, nullable: true`; several types become `anyOf`;
 * - `const` becomes a one-value `enum`; `oneOf` becomes `anyOf`; a one-element `allOf` is inlined;
 * - `enum` keeps only string values (Gemini enums are strings);
 * - `required` keeps only names present in `properties`;
 * - `format` keeps only `enum`, `date-time`, `int32`, `int64`, `float`, `double`.
 * Everything else (`$schema`, `additionalProperties`, `exclusiveMinimum`, `exclusiveMaximum`,
 * `propertyNames`, `patternProperties`, `unevaluatedProperties`, `if/then/else`, `not`,
 * `examples`, `$id`, `$comment`, `contentEncoding`, ...) is removed. The input is not modified.
 */
const KEPT = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);
const FORMATS = new Set(['enum', 'date-time', 'int32', 'int64', 'float', 'double']);
const MAX_DEPTH = 32;

export function cleanGeminiSchema(schema: Json): Json {
  const defs = { ...(isObject(schema.definitions) ? schema.definitions : {}), ...(isObject(schema.$defs) ? schema.$defs : {}) };
  return clean(schema, defs, [], 0);
}

function resolveRef(ref: string, defs: Json): Json | undefined {
  const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
  const target = match?.[1] ? defs[match[1]] : undefined;
  return isObject(target) ? target : undefined;
}

function clean(node: Json, defs: Json, seen: string[], depth: number): Json {
  if (depth > MAX_DEPTH) return { type: 'object' };
  if (typeof node.$ref === 'string') {
    const target = resolveRef(node.$ref, defs);
    if (!target || seen.includes(node.$ref))
      return { type: 'object', ...(typeof node.description === 'string' ? { description: node.description } : {}) };
    const { $ref: _ref, ...rest } = node;
    return clean({ ...target, ...rest }, defs, [...seen, node.$ref], depth + 1);
  }
  const source = normalizeCombinators(node);
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (KEPT.has(key)) out[key] = value;
  }
  applyType(source, out);
  if ('const' in source && source.const !== undefined && source.const !== null) out.enum = [textOf(source.const)];
  if (Array.isArray(out.enum)) {
    const strings = out.enum.filter((v): v is string => typeof v === 'string');
    if (strings.length > 0) out.enum = strings;
    else delete out.enum;
  }
  if (typeof out.format === 'string' && !FORMATS.has(out.format)) delete out.format;
  cleanChildren(out, defs, seen, depth);
  return out;
}

function normalizeCombinators(node: Json): Json {
  let source = node;
  if (Array.isArray(source.allOf) && source.allOf.length === 1 && isObject(source.allOf[0])) {
    const { allOf: _a, ...rest } = source;
    source = { ...source.allOf[0], ...rest };
  }
  if (Array.isArray(source.oneOf) && source.anyOf === undefined) source = { ...source, anyOf: source.oneOf };
  return source;
}

function applyType(source: Json, out: Json): void {
  if (!Array.isArray(source.type)) return;
  const types = source.type.filter((t): t is string => typeof t === 'string' && t !== 'null');
  if (types.length < source.type.length) out.nullable = true;
  if (types.length === 1) out.type = types[0];
  else {
    delete out.type;
    if (types.length > 1) out.anyOf = types.map((type) => ({ type }));
  }
}

function cleanChildren(out: Json, defs: Json, seen: string[], depth: number): void {
  if (isObject(out.properties)) {
    const properties: Json = {};
    for (const [name, value] of Object.entries(out.properties)) {
      properties[name] = isObject(value) ? clean(value, defs, seen, depth + 1) : {};
    }
    out.properties = properties;
    if (Array.isArray(out.required)) out.required = out.required.filter((name) => typeof name === 'string' && name in properties);
  } else if (out.properties !== undefined) delete out.properties;
  if (Array.isArray(out.items)) out.items = out.items[0];
  if (isObject(out.items)) out.items = clean(out.items, defs, seen, depth + 1);
  else if (out.items !== undefined) delete out.items;
  if (Array.isArray(out.anyOf)) out.anyOf = out.anyOf.filter(isObject).map((s) => clean(s, defs, seen, depth + 1));
}

/**
 * Gemini `Schema` → JSON Schema for the other protocols: `type` lowercased (the Gemini API and SDK
 * write `STRING`, `OBJECT`, ...), `nullable: true` becomes `type: [T, "null"]`,
 * `propertyOrdering` removed. Other keywords are already JSON Schema.
 */
export function geminiSchemaToJsonSchema(schema: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'propertyOrdering' || key === 'nullable') continue;
    if (key === 'type' && typeof value === 'string') out.type = value.toLowerCase();
    else if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, isObject(s) ? geminiSchemaToJsonSchema(s) : s]));
    } else if (key === 'items' && isObject(value)) out.items = geminiSchemaToJsonSchema(value);
    else if (key === 'anyOf' && Array.isArray(value)) out.anyOf = value.map((s: unknown) => (isObject(s) ? geminiSchemaToJsonSchema(s) : s));
    else out[key] = value;
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}
