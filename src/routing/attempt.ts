import type { Clock } from '../shared/clock.js';
import type { Mutable } from '../shared/mutable.js';
import { isEventStream } from '../shared/content-type.js';
import { topLevelMembers } from '../shared/json-member.js';
import { readBounded } from './bounded-body.js';
import { firstEvent } from './first-event.js';
import { classify, type Outcome } from './classify.js';
import type { ClientErrorHold } from './context-fallback.js';
import { refineRateLimited } from './rate-limit-body.js';
import type { Route } from './plan.js';
import { answerRefusal, translatedCall, translatedHeaders } from './translation-step.js';
import type { Attempt, Job, PartialAnswer, TokenUsage, TranslatedCall, Transport, UpstreamCode, UpstreamReply } from './types.js';
import { UpstreamBodyError } from './types.js';
import { pumpKept, pumpStep, pumpThrough } from './stream-pump.js';
import type { StreamBreak } from './stream-break.js';

/**
 * One upstream attempt: send, classify, and either commit the answer to the client or hand
 * back a failure for the next route. Nothing reaches the client before the attempt has
 * proved itself (a 2xx with a complete JSON body, or a stream's first data event: the
 * Transport resolves a streamed reply only once it has one, and fails empty streams).
 */
export interface AttemptResult {
  readonly outcome: Outcome;
  /** True once the client has been answered (success, client error, or a committed stream). */
  readonly answered: boolean;
  /** The status the client was answered with, when answered. */
  readonly status?: number;
  readonly latencyMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Set when a committed stream broke after its first chunk. */
  readonly brokeMidStream?: UpstreamCode;
  /** With `brokeMidStream`: the answer so far, when it can be continued (the client's stream is still open). */
  readonly partial?: PartialAnswer;
  /** With `brokeMidStream`: the client already had the whole answer, and its stream was ended normally. */
  readonly closedAfterBreak?: boolean;
  /** A continuation the upstream refused with a client error (stream-resume.ts): not answered, nobody blamed. */
  readonly continuationRefused?: boolean;
  /** A client error held back by `hold` (not answered): its status and whole body. */
  readonly held?: { readonly status: number; readonly body: Buffer };
  /** The tokens a successful answer reported. */
  readonly usage?: TokenUsage;
  /** A probe another instance holds the shared permit for: not attempted; try another route. */
  readonly permitTaken?: true;
}

export interface AttemptDeps {
  readonly transport: Transport;
  readonly clock: Clock;
  /** Largest non-streamed upstream body accepted; a larger one fails as `response_too_large`; also the most a stream keeps to resume. */
  readonly maxResponseBytes: number;
  /** `streams.resume`: a stream of a job with `resume` keeps what it needs to be continued after a break. */
  readonly streamResume?: boolean;
}

export async function runAttempt(
  job: Job,
  route: Route,
  answerHeaders: () => Record<string, string>,
  deps: AttemptDeps,
  hold?: ClientErrorHold,
): Promise<AttemptResult> {
  // Same kind: the pass-through, bytes untouched. Another kind: translated (translation-step.ts).
  const call = route.backend.config.kind === job.protocol ? null : translatedCall(job, route.backend.config, route.upstreamModel);
  if (call !== null && 'refused' in call) return answerRefusal(job, call, answerHeaders());
  if (call !== null) answerHeaders = translatedHeaders(answerHeaders, call);
  const attempt: Attempt = {
    job: call?.job ?? job,
    backend: route.backend.config,
    baseUrlIndex: route.baseUrlIndex,
    credentialId: route.credentialId,
    wholeUpTo: deps.maxResponseBytes,
  };
  const reply = await deps.transport.send(attempt, job.signal);
  if (reply.kind === 'failed') {
    return { outcome: classify({ kind: 'failed', code: cancelledOr(job, reply.code) }, deps.clock.now()), answered: false };
  }
  const outcome = classify({ kind: 'response', status: reply.status, headers: reply.headers }, deps.clock.now());
  if (outcome.kind === 'success' && job.stream && isEventStream(reply.headers)) {
    return streamThrough(job, reply, answerHeaders, deps, call);
  }
  if (outcome.kind === 'success' || outcome.kind === 'client_error') {
    const whole = reply.body.whole;
    // Already read (the transport reads a 2xx answer whole): answered without another promise.
    if (whole !== undefined && whole.length <= deps.maxResponseBytes) return answerWhole(job, reply, whole, outcome, answerHeaders, hold, call);
    return readWhole(job, reply, outcome, answerHeaders, deps, hold, call);
  }
  // A 429's body may say how long to wait, or that the model (not the key) is out of capacity.
  if (outcome.kind === 'rate_limited') return { outcome: await refineRateLimited(outcome, reply.body), answered: false, headers: reply.headers };
  reply.body.cancel('discarded');
  return { outcome, answered: false, headers: reply.headers };
}

export type ResponseReply = Extract<UpstreamReply, { kind: 'response' }>;

async function readWhole(
  job: Job,
  reply: ResponseReply,
  outcome: Outcome,
  answerHeaders: () => Record<string, string>,
  deps: AttemptDeps,
  hold?: ClientErrorHold,
  call?: TranslatedCall | null,
): Promise<AttemptResult> {
  let body: Buffer;
  try {
    body = await readBounded(reply.body, deps.maxResponseBytes, { reject: 'response_too_large' });
  } catch (error) {
    const code = error instanceof UpstreamBodyError ? error.code : 'body_error';
    return { outcome: classify({ kind: 'failed', code: cancelledOr(job, code) }, deps.clock.now()), answered: false };
  }
  return answerWhole(job, reply, body, outcome, answerHeaders, hold, call);
}

/** A whole body, read: failed over when a 2xx is no JSON object where one is expected, held, or answered. */
function answerWhole(
  job: Job,
  reply: ResponseReply,
  body: Buffer,
  outcome: Outcome,
  answerHeaders: () => Record<string, string>,
  hold?: ClientErrorHold,
  call?: TranslatedCall | null,
): AttemptResult {
  // Scanned once: the answer's check and its usage reader share the members.
  const members = outcome.kind === 'success' && job.expects === 'json' && reply.status !== 204 ? topLevelMembers(body) : undefined;
  if (members === null) {
    // A 2xx that is not a JSON object (cut short, or an event stream) is no answer where one is expected: fail over.
    return { outcome: { kind: 'endpoint_failure', code: 'body_malformed' }, answered: false, headers: reply.headers };
  }
  const held = outcome.kind === 'client_error' && hold ? hold(reply.status, body) : null;
  const answer = call ? call.whole(reply.status, body) : body;
  if (answer === null) return { outcome: { kind: 'endpoint_failure', code: 'translation_failed' }, answered: false, headers: reply.headers };
  if (held) return { outcome: held, answered: false, headers: reply.headers, held: { status: reply.status, body: answer } };
  job.sink.respond(reply.status, reply.headers, answerHeaders(), answer);
  const result: Mutable<AttemptResult> = { outcome, answered: true, status: reply.status, latencyMs: reply.headersAfterMs, headers: reply.headers };
  const usage = outcome.kind === 'success' ? reply.body.usage?.(body, members) : null;
  if (usage) result.usage = usage;
  return result;
}

async function streamThrough(
  job: Job,
  reply: ResponseReply,
  answerHeaders: () => Record<string, string>,
  deps: AttemptDeps,
  call: TranslatedCall | null,
): Promise<AttemptResult> {
  const opened = await firstOf(job, reply, deps);
  if (!('first' in opened)) return opened;
  const { first, latencyMs } = opened;
  job.sink.start(reply.status, reply.headers, answerHeaders());
  const resume = deps.streamResume === true ? (job.resume ?? null) : null;
  const broke = await (call
    ? pumpStep(job, reply.body, first, call.stream(resume !== null), resume !== null)
    : resume
      ? pumpKept(job, reply.body, first, resume, deps.maxResponseBytes)
      : pumpThrough(job, reply.body, first));
  return streamed(reply, latencyMs, broke);
}

/**
 * A streamed reply's first data event, and the ms from the request to it; or the failed attempt
 * (nothing has reached the client: the request can fail over).
 */
export async function firstOf(job: Job, reply: ResponseReply, deps: AttemptDeps): Promise<{ first: Buffer; latencyMs: number } | AttemptResult> {
  const started = deps.clock.now() - reply.headersAfterMs;
  let first: Buffer | null;
  try {
    first = await firstEvent(reply.body);
  } catch (error) {
    const code = error instanceof UpstreamBodyError ? error.code : 'body_error';
    return { outcome: classify({ kind: 'failed', code: cancelledOr(job, code) }, deps.clock.now()), answered: false };
  }
  if (first === null) return { outcome: { kind: 'endpoint_failure', code: 'empty_stream' }, answered: false };
  return { first, latencyMs: deps.clock.now() - started };
}

/** A committed stream's result: its usage, and how it broke (if it did). */
export function streamed(reply: ResponseReply, latencyMs: number, broke: StreamBreak | undefined): AttemptResult {
  const usage = reply.body.usage?.();
  return {
    ...(usage ? { usage } : {}),
    outcome: { kind: 'success' },
    answered: true,
    status: reply.status,
    latencyMs,
    headers: reply.headers,
    ...(broke ? { brokeMidStream: broke.code } : {}),
    ...(broke?.partial ? { partial: broke.partial } : {}),
    ...(broke?.completed ? { closedAfterBreak: true } : {}),
  };
}

export function cancelledOr(job: Job, code: UpstreamCode): UpstreamCode {
  return job.signal.aborted ? 'client_cancelled' : code;
}
