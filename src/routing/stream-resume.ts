import type { BackendConfig } from '../config/schema.js';
import type { AttemptResult } from './attempt.js';
import type { Continuing } from './continuation-attempt.js';
import { modelMatcher } from './model-match.js';
import type { Route } from './plan.js';
import type { Random } from './random.js';
import type { SameModelSettings, SameModelState } from './same-model-retry.js';
import type { AttemptNote, RequestSummary, ResumeNote, ResumeResult } from './request-notes.js';
import { failStream } from './stream-break.js';
import type { ContinuationStrategy, Job, PartialAnswer, UpstreamCode } from './types.js';

/**
 * Stream resume, routing's side (docs/stream-resume.md). A committed stream that breaks with
 * an answer that can be continued (`AttemptResult.partial`) does not end the request: the
 * attempt loop goes on with its remaining attempts, retry budget and deadline, and each next
 * route is asked to continue the answer, with the first of its backend's `continuation`
 * strategies not yet tried there. A refused continuation (a client error) moves on to the next
 * strategy on the same route, blaming nobody; a backend with none left is skipped. When nothing
 * continues the answer, the client's stream ends with the in-band error naming the ORIGINAL
 * failure. When no other route is left, the broken route itself is asked once more after the
 * same-model backoff (`routing.sameModelRetryBackoffMs`, jittered; not with
 * `sameModelRetryMaxMs: 0`), through the request's one same-model retry. Every continuation
 * tried is one `ResumeNote` in the request's log line and metrics.
 */
export interface Resumption {
  /** The first break: what the client is told when nothing continues. */
  readonly original: { readonly code: UpstreamCode; readonly backend: string };
  /** The latest break and the answer so far. */
  afterCode: UpstreamCode;
  partial: PartialAnswer;
  /** Per backend id, how many of its strategies were taken. */
  readonly taken: Map<string, number>;
  readonly notes: ResumeNote[];
}

/** A continuation chosen for a route: the call and its strategy, or null when the route's backend has none left. */
export interface ChosenContinuation extends Continuing {
  readonly strategy: ContinuationStrategy;
}

/** Records a resumable break; the request goes on as a resumption. */
export function resumeAfter(previous: Resumption | null, route: Route, code: UpstreamCode, partial: PartialAnswer): Resumption {
  if (previous) {
    previous.afterCode = code;
    previous.partial = partial;
    return previous;
  }
  return { original: { code, backend: route.backend.config.id }, afterCode: code, partial, taken: new Map(), notes: [] };
}

/** The next continuation to try on `route`, taking its strategy; null when its backend has none left. */
export function continuationFor(resumption: Resumption, job: Job, route: Route): ChosenContinuation | null {
  const backend = route.backend.config;
  const strategies = strategiesOf(backend, route.upstreamModel);
  for (let taken = resumption.taken.get(backend.id) ?? 0; taken < strategies.length; taken++) {
    const strategy = strategies[taken]!;
    resumption.taken.set(backend.id, taken + 1);
    const call = resumption.partial.continuation(job, backend, route.upstreamModel, strategy);
    if ('refused' in call) continue;
    const comment = `: fusebox resumed after ${resumption.afterCode} on ${backend.id} (${strategy}, kept ${resumption.partial.keptChars} chars)\n\n`;
    return { call, strategy, comment: Buffer.from(comment, 'utf8'), original: resumption.original.code };
  }
  return null;
}

/** Notes what a continuation attempt came to. */
export function noteContinuation(resumption: Resumption, route: Route, chosen: ChosenContinuation, result: AttemptResult): void {
  resumption.notes.push({
    backend: route.backend.config.id,
    strategy: chosen.strategy,
    afterCode: resumption.afterCode,
    keptChars: resumption.partial.keptChars,
    result: resultOf(result),
  });
}

function resultOf(result: AttemptResult): ResumeResult {
  if (result.continuationRefused) return 'refused';
  if (!result.answered) return 'failed';
  return result.brokeMidStream && !result.closedAfterBreak ? 'broken' : 'completed';
}

/** A backend's strategies for `model`: the first `models` glob that matches it, else its `strategies`. */
export function strategiesOf(backend: BackendConfig, model: string): readonly ContinuationStrategy[] {
  const { strategies, models } = backend.continuation;
  for (const pattern in models) if (modelMatcher([pattern])(model)) return models[pattern]!;
  return strategies;
}

/** Nothing continued the broken stream: the client is told of the first break, not of the continuations' failures. */
export function unresumed(job: Job, resumption: Resumption, attempts: readonly AttemptNote[]): RequestSummary {
  const { original, notes } = resumption;
  failStream(job, original.code);
  return { status: 200, outcome: 'broken_stream', backend: original.backend, attempts, resumed: notes };
}

/** After a resumable break: the broken route may be asked again after a backoff, when nothing else is left. */
export function sameRouteLater(state: SameModelState, route: Route, now: number, settings: SameModelSettings, random: Random): void {
  if (state.used || state.pending !== null || settings.maxMs <= 0) return;
  const waitMs = Math.min(settings.maxMs, Math.round(settings.backoffMs * (0.5 + random())));
  state.pending = { route, readyAt: now + waitMs };
}

/** How long to wait before asking the broken route again (no other route is left), or null. */
export function sameRouteWait(state: SameModelState, now: number): number | null {
  if (state.used || state.pending === null) return null;
  return Math.max(0, state.pending.readyAt - now);
}
