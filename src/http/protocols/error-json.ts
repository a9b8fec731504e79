/**
 * Small pure readers shared by the per-protocol error recognisers: the `error` object of an
 * upstream error body (or of the first element of a Gemini-style array of them), and a field
 * as a string.
 */
export type Fields = Readonly<Record<string, unknown>>;

/** The body's top-level object, or the first element when the body is a JSON array; null when not JSON. */
export function rootOf(text: string): Fields | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const root = Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed;
  return isFields(root) ? root : null;
}

/** `root.error` when it is an object. */
export function errorOf(root: Fields | null): Fields | null {
  return root !== null && isFields(root.error) ? root.error : null;
}

export function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
