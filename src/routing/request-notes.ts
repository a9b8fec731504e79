import { FuseboxError } from '../shared/errors.js';
import type { Outcome } from './classify.js';
import type { Considered, Route, Skip } from './plan.js';
import { httpCode, type UpstreamCode } from '../shared/upstream-code.js';
import type { ContinuationStrategy, TokenUsage } from './types.js';

/** An attempt's outcome in one word: a note's `outcome`, a log line's, a metric's label. */
export type OutcomeCode = UpstreamCode | 'success' | 'cancelled';

/**
 * What a request tells its client and its log line: the explain headers, one note per
 * attempt, and the error when every attempt failed.
 */
export interface AttemptNote {
  readonly backend: string;
  readonly baseUrl: number;
  readonly credential: string;
  readonly pool: string;
  /** The model the upstream was asked for, when a fallback or the backend's alias changed it. */
  readonly model?: string;
  readonly outcome: OutcomeCode;
  readonly ms: number;
}

/** What one continuation of a broken stream came to (stream-resume.ts). */
export type ResumeResult = 'completed' | 'broken' | 'refused' | 'failed';

export interface ResumeNote {
  readonly backend: string;
  readonly strategy: ContinuationStrategy;
  /** The break this continuation answered. */
  readonly afterCode: UpstreamCode;
  /** Characters of answer text the client had. */
  readonly keptChars: number;
  readonly result: ResumeResult;
}

/** What happened to one request, for its log line and the request metrics. */
export interface RequestSummary {
  readonly status: number;
  /**
   * What the client got, in one word: `success`; `broken_stream` (a committed stream that broke
   * after its first byte, cut with an in-band error, when no continuation finished it); the upstream's `http_4xx` when it was the
   * answer; else the error code the client got (`upstream_failed`, `client_cancelled`, ...).
   */
  readonly outcome: string;
  readonly backend: string | null;
  readonly attempts: readonly AttemptNote[];
  readonly error?: string;
  /** `from->to` model pools when the answer came from a fallback pool. */
  readonly fallback?: string;
  /** The tokens the answer reported (the last attempt's: the one that answered). */
  readonly usage?: TokenUsage;
  /** ms spent waiting for a route to recover. */
  readonly waitedMs?: number;
  /** ms waited before trying a failed route's model again instead of switching models. */
  readonly sameModelWaitMs?: number;
  readonly retryBudgetExhausted?: boolean;
  /** The continuations tried after a committed stream broke, in order (stream resume). */
  readonly resumed?: readonly ResumeNote[];
  /** For the debug log: why routes were skipped, and the candidates' scores and weights. */
  readonly skipped?: readonly Skip[];
  readonly considered?: readonly Considered[];
}

/** The notes with the last one's outcome replaced by how its committed stream broke. */
export function brokenLast(notes: readonly AttemptNote[], code: UpstreamCode): AttemptNote[] {
  return notes.map((n, i) => (i === notes.length - 1 ? { ...n, outcome: code } : n));
}

/** `x-fusebox-attempts`, `x-fusebox-backend` and, on a fallback, `x-fusebox-fallback: from->to`. */
export function gatewayHeaders(attempts: number, backend: string | null, fallback?: string): Record<string, string> {
  const headers: Record<string, string> = { 'x-fusebox-attempts': String(attempts) };
  if (backend !== null) headers['x-fusebox-backend'] = backend;
  if (fallback !== undefined) headers['x-fusebox-fallback'] = fallback;
  return headers;
}

export function note(route: Route, outcome: Outcome, ms: number): AttemptNote {
  const { id: backend } = route.backend.config;
  const { baseUrlIndex: baseUrl, credentialId: credential, modelPool: pool } = route;
  // `model` only when a fallback or an alias changed it; in the same place of either shape.
  return route.fallback || route.upstreamModel !== route.model
    ? { backend, baseUrl, credential, pool, model: route.upstreamModel, outcome: codeOf(outcome), ms }
    : { backend, baseUrl, credential, pool, outcome: codeOf(outcome), ms };
}

export function codeOf(outcome: Outcome): OutcomeCode {
  switch (outcome.kind) {
    case 'success':
    case 'cancelled':
      return outcome.kind;
    case 'client_error':
      return httpCode(outcome.status);
    default:
      return outcome.code;
  }
}

export function finalError(
  notes: readonly AttemptNote[],
  lastCode: OutcomeCode | null,
  retryAfterMs: number | null,
  budgetExhausted: boolean,
): FuseboxError {
  const attempts = notes.length;
  if (attempts === 0) {
    return new FuseboxError('no_route_available', 'no healthy backend is available for this model right now', retryAfterMs ?? 1000);
  }
  const code = lastCode ?? 'unknown';
  const why = budgetExhausted ? ' and the retry budget is spent' : '';
  const message = `all ${attempts} attempt(s) failed (last: ${code})${why}`;
  if (code.startsWith('timeout')) return new FuseboxError('upstream_timeout', message);
  // Every route was rate limited: the client should back off, not treat the gateway as broken.
  if (notes.every((n) => n.outcome === 'http_429')) {
    return new FuseboxError('rate_limited', `every credential tried is rate limited (${attempts} attempt(s))`, retryAfterMs ?? 1000);
  }
  return new FuseboxError('upstream_failed', message, retryAfterMs ?? undefined);
}
