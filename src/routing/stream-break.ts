import { FuseboxError } from '../shared/errors.js';
import type { Job, UpstreamBody, UpstreamCode } from './types.js';
import { UpstreamBodyError } from './types.js';

/**
 * A committed stream that failed while being passed to the client: the upstream is cancelled and
 * the client's stream ends with the in-band error. Returns the failure's code, or undefined when
 * the client went away (that blames nothing).
 */
export function endBrokenStream(job: Job, body: UpstreamBody, error: unknown): UpstreamCode | undefined {
  if (job.signal.aborted) return undefined;
  const code = error instanceof UpstreamBodyError ? error.code : 'body_error';
  body.cancel(code);
  job.sink.fail(new FuseboxError('upstream_failed', `the upstream stream broke off (${code})`));
  return code;
}
