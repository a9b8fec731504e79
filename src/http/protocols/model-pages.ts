/**
 * Reading an upstream model listing page: the string `field` of every object in `list`, with
 * `prefix` taken off where it starts the value. Null when `list` is not an array; entries
 * without the field are skipped.
 */
export function idsOf(list: unknown, field: string, prefix = ''): string[] | null {
  if (!Array.isArray(list)) return null;
  const ids: string[] = [];
  for (const entry of list as unknown[]) {
    if (entry === null || typeof entry !== 'object') continue;
    const value = (entry as Record<string, unknown>)[field];
    if (typeof value !== 'string' || value.length === 0) continue;
    ids.push(prefix !== '' && value.startsWith(prefix) ? value.slice(prefix.length) : value);
  }
  return ids;
}

/** `body[key]` when `body` is a JSON object, else undefined. */
export function memberOf(body: unknown, key: string): unknown {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[key] : undefined;
}
