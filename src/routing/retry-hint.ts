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

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A Google-style duration (`"13s"`, `"0.5s"`, `"1h2m3.5s"`, `"500ms"`) in ms, or null when the
 * text is not one. Protobuf JSON writes seconds with an `s`; quotaResetDelay uses h/m/s/ms.
 */
export function parseDurationMs(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const trimmed = text.trim();
  if (trimmed.length === 0) return null;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(DURATION_PART)) {
    if (match.index !== consumed) return null;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed += match[0].length;
  }
  return consumed === trimmed.length ? Math.ceil(total) : null;
}
