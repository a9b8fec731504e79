import { memberText, type JsonMember } from '../../shared/json-member.js';
import { isObject } from './neutral/json.js';
import type { Json } from './neutral/types.js';

/**
 * Small readers the protocols' usage readers share: a top-level member of a whole JSON body,
 * and the last SSE data event of a stream's kept bytes that carries a given member. Only the
 * few bytes named are parsed, never the whole stream.
 */
export function memberObject(body: Buffer, key: string, members?: readonly JsonMember[] | null): Json | null {
  const text = memberText(body, key, members);
  return text === undefined ? null : parsedObject(text);
}

/**
 * The JSON object of the last `data:` line of `bytes` whose text contains `needle`, or null.
 * `bytes` may start mid-line (a stream's tail): a line that does not parse is skipped.
 */
export function lastDataWith(bytes: Buffer, needle: string): Json | null {
  if (bytes.indexOf(needle) === -1) return null;
  const lines = bytes.toString('utf8').split(/\r\n|\r|\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith('data:') || !line.includes(needle)) continue;
    const found = parsedObject(line.slice(5));
    if (found !== null) return found;
  }
  return null;
}

function parsedObject(text: string): Json | null {
  try {
    const value = JSON.parse(text) as unknown;
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}
