/**
 * What leaves the process for the Stately inspector. Actor context and events hold no
 * secret by design (credentials are named by id); this is the second line of defence:
 * any key that looks like it names a secret is replaced, any string that looks like a
 * credential is masked, and snapshots are cut down to status, value and context (no
 * actor internals). Pure; used by src/inspect/inspector.ts.
 */
const SECRET_KEY = /(api[-_]?key|secret|token|password|passwd|authorization|cookie|bearer)/i;
const SECRET_VALUE = /\b((sk|rk|pk)-[A-Za-z0-9_-]{8,}|AIza[0-9A-Za-z_-]{20,}|Bearer\s+\S+)/g;
export const MASK = '[redacted]';
const MAX_DEPTH = 12;

export function sanitize(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(SECRET_VALUE, MASK);
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (depth >= MAX_DEPTH) return '[depth limit]';
  if (Array.isArray(value)) return value.map((item) => sanitize(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? MASK : sanitize(item, depth + 1);
  }
  return out;
}

interface InspectedSnapshot {
  readonly status?: unknown;
  readonly value?: unknown;
  readonly context?: unknown;
  readonly output?: unknown;
  readonly error?: unknown;
}

/** A snapshot as the inspector needs it: no children refs, no system, sanitised context. */
export function trimSnapshot(snapshot: InspectedSnapshot | undefined): InspectedSnapshot {
  if (!snapshot) return { status: 'active' };
  return {
    status: snapshot.status,
    value: snapshot.value,
    context: sanitize(snapshot.context),
    ...(snapshot.output === undefined ? {} : { output: sanitize(snapshot.output) }),
    ...(snapshot.error === undefined ? {} : { error: errorText(snapshot.error) }),
  };
}

/** One Stately inspection event, trimmed and sanitised (actor, event and snapshot kinds). */
export function sanitizeInspection<T extends { type: string }>(event: T): T {
  const record = event as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...record };
  if ('snapshot' in record) out.snapshot = trimSnapshot(record.snapshot as InspectedSnapshot);
  if ('event' in record) out.event = sanitize(record.event);
  if (typeof record.definition === 'string') out.definition = String(sanitize(record.definition));
  return out as unknown as T;
}

/** An actor's error as text: an Error as `String` writes it, a string as is, anything else as JSON. */
function errorText(error: unknown): string {
  if (error instanceof Error) return error.toString();
  return typeof error === 'string' ? error : JSON.stringify(error);
}
