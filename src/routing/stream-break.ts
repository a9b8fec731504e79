import { FuseboxError } from '../shared/errors.js';
import type { Job, PartialAnswer, UpstreamBody, UpstreamCode } from './types.js';
import { UpstreamBodyError } from './types.js';

/**
 * How a committed stream broke: its code, and when the answer so far can be continued
 * (stream-resume.ts), the partial answer; then the client's stream is still open and nothing
 * was said to the client yet.
 */
export interface StreamBreak {
  readonly code: UpstreamCode;
  readonly partial?: PartialAnswer;
  /** The client already had the whole answer: its stream was closed normally. */
  readonly completed?: boolean;
}

/** How a broken stream may go on: the answer so far, and the break the client is told of when it cannot (default: this one). */
export interface BreakOptions {
  readonly partial?: () => PartialAnswer | null;
  readonly told?: UpstreamCode;
}

/**
 * A committed stream that failed while being passed to the client: the upstream is cancelled;
 * when `partial` gives a resumable answer the client's stream is left open for a continuation,
 * when it gives a finished one the client's stream gets its normal end, else it ends with the
 * in-band error naming `told` (a continuation's client hears of the first
 * break). Undefined when the client went away (that blames nothing).
 */
export function endBrokenStream(job: Job, body: UpstreamBody, error: unknown, options: BreakOptions = {}): StreamBreak | undefined {
  if (job.signal.aborted) return undefined;
  const code = error instanceof UpstreamBodyError ? error.code : 'body_error';
  body.cancel(code);
  const answer = options.partial?.() ?? null;
  if (answer?.resumable) return { code, partial: answer };
  if (answer?.finished) return closeFinished(job, code, answer);
  failStream(job, options.told ?? code);
  return { code };
}

/** Ends the client's stream with the in-band error naming the upstream failure `code`. */
export function failStream(job: Job, code: UpstreamCode): void {
  job.sink.fail(new FuseboxError('upstream_failed', `the upstream stream broke off (${code})`));
}

/** A break after the answer's finish: the client's stream gets its normal end. */
function closeFinished(job: Job, code: UpstreamCode, answer: PartialAnswer): StreamBreak {
  for (const frame of answer.closing()) void job.sink.write(frame);
  job.sink.end();
  return { code, completed: true };
}
