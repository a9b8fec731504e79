import type { QuotaReading } from '../machines/events.js';
import { parseDurationMs } from './retry-hint.js';

/**
 * The upstream's request quota from its rate-limit headers (`x-ratelimit-remaining-requests`,
 * `x-ratelimit-limit-requests`, and `x-ratelimit-reset-requests` such as `1s`, `6m0s`, `20ms`),
 * or undefined when they are absent or unreadable.
 */
export function quotaFromHeaders(headers: Readonly<Record<string, string>> | undefined, now: number): QuotaReading | undefined {
  if (!headers) return undefined;
  const remaining = wholeNumber(headers['x-ratelimit-remaining-requests']);
  const limit = wholeNumber(headers['x-ratelimit-limit-requests']);
  if (remaining === null || limit === null || limit <= 0) return undefined;
  const resetMs = resetDelayMs(headers['x-ratelimit-reset-requests']);
  return { remaining, limit, ...(resetMs === null ? {} : { resetAt: now + resetMs }) };
}

function wholeNumber(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** `6m0s`, `1s`, `20ms`, `1h2m`, or plain seconds. */
export function resetDelayMs(value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  return parseDurationMs(text);
}
