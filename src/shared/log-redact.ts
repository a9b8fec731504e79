/**
 * Redaction by field name for log objects: any property named like a credential (an API key,
 * a token, an auth or cookie header) is replaced by `[redacted]`, whatever its value and at
 * any depth up to MAX_DEPTH. Copy on write: an object with nothing to redact is returned as
 * it is, so the request line (ids only) costs a few property checks and no allocation.
 * The value scrubber (secret-scrub.ts) still runs over every serialized line after this.
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'apiKey',
  'apiKeys',
  'refreshToken',
  'clientSecret',
  'accessToken',
  'access_token',
  'refresh_token',
  'client_secret',
  'adminToken',
  'redisUrl',
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
]);

export const REDACTED_FIELD = '[redacted]';
const MAX_DEPTH = 8;

export function redactSecretFields<T>(value: T): T {
  return redact(value, 0) as T;
}

function redact(value: unknown, depth: number): unknown {
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return redactArray(value, depth);
  if (!isPlain(value)) return value;
  let copy: Record<string, unknown> | null = null;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const inner = record[key];
    const next = SECRET_FIELDS.has(key) && inner !== undefined ? REDACTED_FIELD : redact(inner, depth + 1);
    if (next === inner) continue;
    copy ??= { ...record };
    copy[key] = next;
  }
  return copy ?? value;
}

function redactArray(items: readonly unknown[], depth: number): unknown {
  let copy: unknown[] | null = null;
  for (let i = 0; i < items.length; i++) {
    const next = redact(items[i], depth + 1);
    if (next === items[i]) continue;
    copy ??= items.slice();
    copy[i] = next;
  }
  return copy ?? items;
}

/** Plain objects and null-prototype records (Node's header objects); not class instances. */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
