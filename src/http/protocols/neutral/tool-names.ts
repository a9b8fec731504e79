import { createHash } from 'node:crypto';

/**
 * Tool names longer than 64 characters (the limit of all three APIs) are shortened
 * deterministically: the first 55 characters, `_`, and 8 hex digits of the name's SHA-256. The
 * same long name always gives the same short one, so tools, tool_choice and earlier tool calls of
 * one request agree. `map` (short → original, carried in the translation state) restores the
 * original name in responses and streams.
 */
export const MAX_TOOL_NAME = 64;
export type ToolNameMap = Record<string, string>;

export function shortenToolName(name: string, map: ToolNameMap): string {
  if (name.length <= MAX_TOOL_NAME) return name;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const short = `${name.slice(0, MAX_TOOL_NAME - 9)}_${digest}`;
  map[short] = name;
  return short;
}

export function restoreToolName(name: string, map: ToolNameMap): string {
  return map[name] ?? name;
}
