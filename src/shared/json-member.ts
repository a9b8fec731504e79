/**
 * Top-level members of a JSON object body, found by a small iterative scanner (no recursion,
 * no parse of the values), so one member can be replaced by splicing bytes: a body of any
 * depth or size is rewritten in one pass and every other byte stays as the client sent it.
 */
export interface JsonMember {
  readonly key: string;
  /** Byte offsets of the member's value: `[valueStart, valueEnd)`. */
  readonly valueStart: number;
  readonly valueEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** The members of `body`'s top-level object, in order; null when it is not a JSON object. */
export function topLevelMembers(body: Buffer): JsonMember[] | null {
  let at = skipSpace(body, 0);
  if (body[at] !== OPEN_BRACE) return null;
  at = skipSpace(body, at + 1);
  const members: JsonMember[] = [];
  if (body[at] === CLOSE_BRACE) return skipSpace(body, at + 1) === body.length ? members : null;
  for (;;) {
    if (body[at] !== QUOTE) return null;
    const keyEnd = stringEnd(body, at);
    if (keyEnd < 0) return null;
    const key = decodeKey(body, at, keyEnd);
    at = skipSpace(body, keyEnd);
    if (key === null || body[at] !== COLON) return null;
    const valueStart = skipSpace(body, at + 1);
    const valueEnd = valueEndAt(body, valueStart);
    if (valueEnd <= valueStart) return null;
    members.push({ key, valueStart, valueEnd });
    at = skipSpace(body, valueEnd);
    if (body[at] === CLOSE_BRACE) return skipSpace(body, at + 1) === body.length ? members : null;
    if (body[at] !== COMMA) return null;
    at = skipSpace(body, at + 1);
  }
}

/**
 * `body` with the top-level member `key` set to `valueJson` (already JSON text): its value
 * replaced in place, or the member added first. Null when `body` is not a JSON object.
 */
export function withMember(body: Buffer, key: string, valueJson: string): Buffer | null {
  const members = topLevelMembers(body);
  if (members === null) return null;
  const found = members.findLast((member) => member.key === key);
  if (found) return Buffer.concat([body.subarray(0, found.valueStart), Buffer.from(valueJson, 'utf8'), body.subarray(found.valueEnd)]);
  const open = body.indexOf(OPEN_BRACE) + 1;
  const member = `${JSON.stringify(key)}:${valueJson}${members.length > 0 ? ',' : ''}`;
  return Buffer.concat([body.subarray(0, open), Buffer.from(member, 'utf8'), body.subarray(open)]);
}

/**
 * The value text of the top-level member `key`, or undefined when absent (or not an object body).
 * `members`: `topLevelMembers(body)` when the caller has it already (scanned once, not twice).
 */
export function memberText(body: Buffer, key: string, members: readonly JsonMember[] | null = topLevelMembers(body)): string | undefined {
  const found = members?.findLast((member) => member.key === key);
  return found ? body.toString('utf8', found.valueStart, found.valueEnd) : undefined;
}

function skipSpace(body: Buffer, from: number): number {
  let at = from;
  while (at < body.length && (body[at] === 0x20 || body[at] === 0x0a || body[at] === 0x0d || body[at] === 0x09)) at++;
  return at;
}

/** The offset just past the string starting at `from` (a quote); -1 when it never ends. */
function stringEnd(body: Buffer, from: number): number {
  for (let at = from + 1; at < body.length; at++) {
    if (body[at] === BACKSLASH) at++;
    else if (body[at] === QUOTE) return at + 1;
  }
  return -1;
}

/** The key string of the quoted text `[start, end)`; one without escapes or control bytes is its bytes as they are. */
function decodeKey(body: Buffer, start: number, end: number): string | null {
  let plain = true;
  for (let at = start + 1; at < end - 1; at++) {
    if (body[at]! < 0x20 || body[at] === BACKSLASH) {
      plain = false;
      break;
    }
  }
  if (plain) return body.toString('utf8', start + 1, end - 1);
  try {
    return JSON.parse(body.toString('utf8', start, end)) as string;
  } catch {
    return null;
  }
}

/** The offset just past the value starting at `from`; `from` itself when there is none. */
function valueEndAt(body: Buffer, from: number): number {
  const first = body[from];
  if (first === QUOTE) return stringEnd(body, from);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return scalarEnd(body, from);
  let depth = 0;
  for (let at = from; at < body.length; at++) {
    const byte = body[at];
    if (byte === QUOTE) {
      const end = stringEnd(body, at);
      if (end < 0) return from;
      at = end - 1;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return at + 1;
    }
  }
  return from;
}

/** A number, `true`, `false` or `null`: up to the next delimiter. */
function scalarEnd(body: Buffer, from: number): number {
  let at = from;
  while (at < body.length) {
    const byte = body[at]!;
    if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || byte <= 0x20) break;
    at++;
  }
  return at;
}
