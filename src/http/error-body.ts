import type { FuseboxError } from '../errors.js';
import type { Protocol } from '../routing/types.js';

/** A FuseboxError in the client's protocol: as a whole body, and as an in-band SSE event. */
export function errorBody(_protocol: Protocol, error: FuseboxError): Buffer {
  return Buffer.from(JSON.stringify({ error: { message: error.message, type: error.type, code: error.code } }));
}

export function inBandErrorEvent(protocol: Protocol, error: FuseboxError): Buffer {
  return Buffer.concat([Buffer.from('data: '), errorBody(protocol, error), Buffer.from('\n\n')]);
}

/** Headers that go with every error fusebox itself produces. */
export function errorHeaders(error: FuseboxError): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error.status >= 500) headers['x-should-retry'] = 'false';
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  return headers;
}
