/**
 * How long an upstream asks us to wait, from its headers: `retry-after-ms`, then
 * `Retry-After` as seconds or as an HTTP date. Null when there is no usable hint.
 */
export function retryHintMs(headers: Readonly<Record<string, string>>, now: number): number | null {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const after = headers['retry-after'];
  if (after === undefined) return null;
  const trimmed = after.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Without a hint: 1 s, 2 s, 4 s … doubling with each consecutive cooldown, at most 5 minutes. */
export function exponentialCooldownMs(streak: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.min(streak, 20));
}
