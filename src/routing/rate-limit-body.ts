import { readBounded } from './bounded-body.js';
import type { Outcome } from './classify.js';
import { parseDurationMs } from './retry-hint.js';
import type { UpstreamBody } from './types.js';

/**
 * A 429's error body says more than its headers: Google-style bodies carry
 * `RetryInfo.retryDelay`, `ErrorInfo.metadata.quotaResetDelay`, and the reason
 * `MODEL_CAPACITY_EXHAUSTED` (the model, not the credential, is out of capacity).
 * `refineRateLimited` reads the body (bounded) and `refineWithBody` is the pure part.
 * Read for every backend kind: the google.rpc error shape is not one protocol's (OpenAI-style
 * endpoints in front of Google models answer 429s with it too).
 */
export const RATE_LIMIT_BODY_LIMIT = 64 * 1024;
const CAPACITY = 'MODEL_CAPACITY_EXHAUSTED';

type RateLimited = Extract<Outcome, { kind: 'rate_limited' }>;

/**
 * Reads a 429's body and refines the outcome with it. Only its first RATE_LIMIT_BODY_LIMIT
 * bytes are read (the rest is discarded); a body that fails to read refines nothing.
 */
export async function refineRateLimited(outcome: RateLimited, body: UpstreamBody): Promise<Outcome> {
  let text: string;
  try {
    text = (await readBounded(body, RATE_LIMIT_BODY_LIMIT, 'truncate')).toString('utf8');
  } catch {
    return outcome;
  }
  return refineWithBody(outcome, text);
}

interface BodyHints {
  readonly capacity: boolean;
  readonly delayMs: number | null;
}

/** The header hint wins; the body's retryDelay, then quotaResetDelay, fill in when it is absent. */
export function refineWithBody(outcome: RateLimited, text: string): Outcome {
  const hints = bodyHints(text);
  const retryAfterMs = outcome.retryAfterMs ?? hints.delayMs;
  if (hints.capacity) return { kind: 'capacity_exhausted', code: 'model_capacity_exhausted', retryAfterMs };
  return { ...outcome, retryAfterMs };
}

export function bodyHints(text: string): BodyHints {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { capacity: text.includes(CAPACITY), delayMs: null };
  }
  const error = errorObject(parsed);
  const details = Array.isArray(error?.details) ? (error.details as unknown[]) : [];
  let retryDelay: number | null = null;
  let quotaReset: number | null = null;
  let capacity = error?.status === CAPACITY || error?.reason === CAPACITY;
  for (const detail of details) {
    if (!isRecord(detail)) continue;
    retryDelay ??= parseDurationMs(detail.retryDelay);
    if (detail.reason === CAPACITY) capacity = true;
    const metadata = isRecord(detail.metadata) ? detail.metadata : {};
    quotaReset ??= parseDurationMs(metadata.quotaResetDelay);
  }
  return { capacity: capacity || (!error && text.includes(CAPACITY)), delayMs: retryDelay ?? quotaReset };
}

/** `{error: {...}}`, or the first element of a Gemini-style array of them. */
function errorObject(parsed: unknown): Record<string, unknown> | null {
  const root: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!isRecord(root)) return null;
  return isRecord(root.error) ? root.error : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
