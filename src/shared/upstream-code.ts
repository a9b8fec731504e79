/**
 * The short stable codes for what went wrong with one upstream call: the one vocabulary of
 * transport replies, body errors, classification outcomes, actor events, request notes,
 * log lines and the `outcome` label of metrics. A code outside this list is a type error.
 */
export const UPSTREAM_FAILURE_CODES = [
  // Reaching the upstream (undici and socket errors, see dispatch.ts `errorCode`).
  'connect_refused',
  'connection_reset',
  'dns_failed',
  'dispatch_error',
  'aborted',
  'upstream_error',
  'no_secret',
  'upstream_redirect',
  // Deadlines.
  'timeout_connect',
  'timeout_headers',
  'timeout_first_chunk',
  'timeout_first_byte',
  'timeout_idle',
  'timeout_total',
  'timeout_health',
  // Streams.
  'empty_stream',
  'stream_error_event',
  'stream_truncated',
  'stream_malformed',
  // Bodies.
  'body_error',
  'response_too_large',
  'error_body_too_large',
  'collect_error',
  // A 2xx non-streamed answer that is not one JSON object.
  'body_malformed',
  // A 2xx body of another protocol that could not be translated for the client.
  'translation_failed',
  'discarded',
  // The model (not the credential) has no capacity left (a 429's body says so).
  'model_capacity_exhausted',
  // The prompt is longer than the model's context (a 4xx body says so): blames nothing.
  'context_length_exceeded',
  // The client went away: blames nothing.
  'client_cancelled',
] as const;

export type UpstreamFailureCode = (typeof UPSTREAM_FAILURE_CODES)[number];

/** An upstream answer by its status, e.g. `http_503`, `http_429`. */
export type HttpCode = `http_${number}`;

export type UpstreamCode = UpstreamFailureCode | HttpCode;

export function httpCode(status: number): HttpCode {
  return `http_${status}`;
}

const FAILURE_CODES: ReadonlySet<string> = new Set(UPSTREAM_FAILURE_CODES);

/** Narrows a code read from outside the type system (an error's `code` field, a record). */
export function isUpstreamCode(value: unknown): value is UpstreamCode {
  return typeof value === 'string' && (FAILURE_CODES.has(value) || /^http_\d{3}$/.test(value));
}
