import type { Json } from './types.js';
import { refuse } from './refusal.js';

/** Small readers for wire JSON: each either returns the typed value or refuses naming `field`. */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown, field: string): Json {
  if (!isObject(value)) refuse(field, 'must be an object');
  return value;
}

export function asArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) refuse(field, 'must be an array');
  return value;
}

export function optString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') refuse(field, 'must be a string');
  return value;
}

export function optNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) refuse(field, 'must be a number');
  return value;
}

/** Parses tool-call arguments to the object Anthropic and Gemini want; `{}` for empty text. */
export function parseArguments(text: string, field: string): Json {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    refuse(field, 'tool call arguments are not valid JSON');
  }
  if (!isObject(value)) refuse(field, 'tool call arguments must be a JSON object');
  return value;
}

/** For answers (never refused): arguments that are not a JSON object, from a broken upstream, become `{}`. */
export function lenientArguments(text: string): Json {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

/** Refuses every key of `body` that is set (not null/undefined/false) and not in `known`. */
export function refuseUnknown(body: Json, known: ReadonlySet<string>, prefix: string): void {
  for (const [key, value] of Object.entries(body)) {
    if (known.has(key) || value === undefined || value === null || value === false) continue;
    refuse(`${prefix}${key}`, 'has no equivalent in the translated protocol');
  }
}

/** A wire scalar as text (as `String` writes it); `fallback` for null/undefined; any other value as JSON. */
export function textOf(value: unknown, fallback = ''): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}
