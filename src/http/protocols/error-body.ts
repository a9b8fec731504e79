import type { FuseboxError } from '../../shared/errors.js';
import type { Protocol } from '../../routing/types.js';

/**
 * A FuseboxError in the client's protocol, as a whole body and as an in-band SSE event:
 * - OpenAI:    `{"error":{"message","type","code"}}`, in-band `data: {...}`
 * - Anthropic: `{"type":"error","error":{"type","message"}}`, in-band `event: error`
 * - Gemini:    `{"error":{"code":<status>,"message","status":"<RPC status>"}}`, in-band `data: {...}`
 */
export function errorBody(protocol: Protocol, error: FuseboxError): Buffer {
  switch (protocol) {
    case 'anthropic':
      return Buffer.from(JSON.stringify({ type: 'error', error: { type: anthropicType(error.status), message: error.message } }));
    case 'gemini':
      return Buffer.from(JSON.stringify({ error: { code: error.status, message: error.message, status: googleStatus(error.status) } }));
    default:
      return Buffer.from(JSON.stringify({ error: { message: error.message, type: error.type, code: error.code } }));
  }
}

export function inBandErrorEvent(protocol: Protocol, error: FuseboxError): Buffer {
  const prefix = protocol === 'anthropic' ? 'event: error\ndata: ' : 'data: ';
  return Buffer.concat([Buffer.from(prefix), errorBody(protocol, error), Buffer.from('\n\n')]);
}

/** Headers that go with every error fusebox itself produces. */
export function errorHeaders(error: FuseboxError): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error.status >= 500) headers['x-should-retry'] = 'false';
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  return headers;
}

/** Anthropic's error types (docs.anthropic.com/en/api/errors) by HTTP status. */
function anthropicType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'overloaded_error';
    default:
      return status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

/** google.rpc.Code names as Gemini's errors carry them, by HTTP status. */
function googleStatus(status: number): string {
  switch (status) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL';
  }
}
