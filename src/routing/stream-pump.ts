import { ForwardedStream } from './forwarded-stream.js';
import { endBrokenStream, type StreamBreak } from './stream-break.js';
import type { Job, StreamResume, StreamStep, UpstreamBody, UpstreamCode } from './types.js';

/**
 * The pumps that carry a committed stream to the client. Each resolves undefined when the
 * stream ended (the client's stream is closed), or with how it broke (stream-break.ts). The
 * first chunk has already proved the upstream (it holds its first data event). A client that
 * leaves aborts the upstream (the job's signal), which ends the pipe.
 */

/** Bytes untouched, nothing kept: a stream that cannot be continued. */
export async function pumpThrough(job: Job, body: UpstreamBody, first: Buffer): Promise<StreamBreak | undefined> {
  try {
    const drained = job.sink.write(first);
    if (drained) await drained;
    await body.pipe((chunk) => job.sink.write(chunk));
    job.sink.end();
    return undefined;
  } catch (error) {
    return endBrokenStream(job, body, error);
  }
}

/**
 * Bytes untouched, whole events only, with a copy of what went out (forwarded-stream.ts),
 * so that after a break `resume` can learn the answer so far; an upstream error event is a break.
 */
export async function pumpKept(job: Job, body: UpstreamBody, first: Buffer, resume: StreamResume, limit: number): Promise<StreamBreak | undefined> {
  const kept = new ForwardedStream(limit, () => resume.replay(job));
  const write = (chunk: Buffer): Promise<void> | undefined => {
    const out = kept.accept(chunk);
    if (kept.failed) body.cancel('stream_error_event');
    return out === null ? undefined : job.sink.write(out);
  };
  try {
    const drained = write(first);
    if (drained) await drained;
    await body.pipe(write);
    const rest = kept.rest();
    if (rest !== null) await job.sink.write(rest);
    job.sink.end();
    return undefined;
  } catch (error) {
    return endBrokenStream(job, body, error, { partial: () => kept.partial() });
  }
}

/**
 * Through a step (a translation, or a continuation) to the client. `resumable`: the step reads
 * an upstream error event as a break, and a break offers the answer so far. `told`: the break
 * the client hears of when this one cannot be continued (a continuation's: the first break).
 */
export async function pumpStep(
  job: Job,
  body: UpstreamBody,
  first: Buffer,
  step: StreamStep,
  resumable: boolean,
  told?: UpstreamCode,
): Promise<StreamBreak | undefined> {
  const write = (chunk: Buffer): Promise<void> | undefined => {
    const drained = writeAll(job, step.push(chunk));
    if (step.failed !== null) body.cancel('stream_error_event');
    return drained;
  };
  try {
    const drained = write(first);
    if (drained) await drained;
    await body.pipe(write);
    await writeAll(job, step.end());
    job.sink.end();
    return undefined;
  } catch (error) {
    return endBrokenStream(job, body, error, {
      ...(resumable ? { partial: () => step.partial() } : {}),
      ...(told ? { told } : {}),
    });
  }
}

/** Writes the frames; the last write's backpressure, if any. */
function writeAll(job: Job, frames: readonly Buffer[]): Promise<void> | undefined {
  let drained: Promise<void> | undefined;
  for (const frame of frames) drained = job.sink.write(frame) ?? drained;
  return drained;
}
