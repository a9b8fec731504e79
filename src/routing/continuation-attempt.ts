import { isEventStream } from '../shared/content-type.js';
import { cancelledOr, firstOf, streamed, type AttemptDeps, type AttemptResult, type ResponseReply } from './attempt.js';
import { classify } from './classify.js';
import type { Route } from './plan.js';
import { refineRateLimited } from './rate-limit-body.js';
import { pumpStep } from './stream-pump.js';
import type { ContinuationCall, Job, UpstreamCode } from './types.js';

/**
 * One attempt to continue a broken stream (stream-resume.ts) on `route`. Like a first attempt,
 * nothing reaches the client before the continuation's first data event; a failure before it
 * fails over. Then the `comment` line is written (where the switch happened) and the
 * continuation streams through its step into the client's open stream. A client error (a 400
 * to a prefill, say) is not answered: `continuationRefused`, and the next strategy is tried.
 */
export interface Continuing {
  readonly call: ContinuationCall;
  /** An SSE comment line saying the stream resumed, and how. */
  readonly comment: Buffer;
  /** The first break: what the client is told when this continuation breaks and cannot be continued. */
  readonly original: UpstreamCode;
}

export async function runContinuation(job: Job, route: Route, continuing: Continuing, deps: AttemptDeps): Promise<AttemptResult> {
  const attempt = { job: continuing.call.job, backend: route.backend.config, baseUrlIndex: route.baseUrlIndex, credentialId: route.credentialId };
  const reply = await deps.transport.send(attempt, job.signal);
  if (reply.kind === 'failed') {
    return { outcome: classify({ kind: 'failed', code: cancelledOr(job, reply.code) }, deps.clock.now()), answered: false };
  }
  const outcome = classify({ kind: 'response', status: reply.status, headers: reply.headers }, deps.clock.now());
  if (outcome.kind === 'success' && isEventStream(reply.headers)) return continueStream(job, reply, continuing, deps);
  if (outcome.kind === 'rate_limited') return { outcome: await refineRateLimited(outcome, reply.body), answered: false, headers: reply.headers };
  reply.body.cancel('discarded');
  if (outcome.kind === 'success') return { outcome: { kind: 'endpoint_failure', code: 'body_malformed' }, answered: false, headers: reply.headers };
  return { outcome, answered: false, headers: reply.headers, ...(outcome.kind === 'client_error' ? { continuationRefused: true } : {}) };
}

async function continueStream(job: Job, reply: ResponseReply, continuing: Continuing, deps: AttemptDeps): Promise<AttemptResult> {
  const opened = await firstOf(job, reply, deps);
  if (!('first' in opened)) return opened;
  const drained = job.sink.write(continuing.comment);
  if (drained) await drained;
  const broke = await pumpStep(job, reply.body, opened.first, continuing.call.stream(), true, continuing.original);
  // The continuation's usage is the request's (its prompt holds the partial answer): docs/stream-resume.md.
  return streamed(reply, opened.latencyMs, broke);
}
