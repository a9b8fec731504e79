/**
 * Per-client-key limits as pure functions of one key's window and the time: requests per clock
 * minute and tokens per UTC day, both fixed windows (a new minute or day starts from zero).
 * The state is a plain value; the caller keeps one per key id and passes `now` in.
 */
export interface LimitWindow {
  /** Start of the minute the request count belongs to (ms since the epoch). */
  readonly minute: number;
  readonly requests: number;
  /** Start of the UTC day the token count belongs to. */
  readonly day: number;
  readonly tokens: number;
}

export interface Limits {
  readonly rpm?: number | undefined;
  readonly tokensPerDay?: number | undefined;
}

/** Why a request was refused, and when the window that refused it ends. */
export interface LimitRefusal {
  readonly limit: 'rpm' | 'tokensPerDay';
  readonly retryAfterMs: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export const emptyWindow: LimitWindow = { minute: 0, requests: 0, day: 0, tokens: 0 };

/** The window as it stands at `now`: counts of windows that have ended are zero. */
export function currentWindow(window: LimitWindow, now: number): LimitWindow {
  const minute = now - (now % MINUTE_MS);
  const day = now - (now % DAY_MS);
  if (window.minute === minute && window.day === day) return window;
  return {
    minute,
    requests: window.minute === minute ? window.requests : 0,
    day,
    tokens: window.day === day ? window.tokens : 0,
  };
}

/**
 * Admits one request or refuses it. An admitted request counts against `rpm` at once; tokens
 * are counted when the answer reports them (`addTokens`), so the request that crosses
 * `tokensPerDay` is answered and the ones after it are refused until the day ends.
 */
export function admitRequest(window: LimitWindow, limits: Limits, now: number): { window: LimitWindow; refused: LimitRefusal | null } {
  const current = currentWindow(window, now);
  if (limits.tokensPerDay !== undefined && current.tokens >= limits.tokensPerDay) {
    return { window: current, refused: { limit: 'tokensPerDay', retryAfterMs: current.day + DAY_MS - now } };
  }
  if (limits.rpm !== undefined && current.requests >= limits.rpm) {
    return { window: current, refused: { limit: 'rpm', retryAfterMs: current.minute + MINUTE_MS - now } };
  }
  return { window: { ...current, requests: current.requests + 1 }, refused: null };
}

export function addTokens(window: LimitWindow, tokens: number, now: number): LimitWindow {
  const current = currentWindow(window, now);
  return { ...current, tokens: current.tokens + tokens };
}
