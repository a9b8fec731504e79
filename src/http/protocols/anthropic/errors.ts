import type { FuseboxError } from '../../../shared/errors.js';

/** `{"type":"error","error":{"type","message"}}`; in a stream, an `event: error` event. */
export function anthropicErrorBody(error: FuseboxError): Buffer {
  return Buffer.from(JSON.stringify({ type: 'error', error: { type: anthropicType(error.status), message: error.message } }));
}

export function anthropicInBandError(error: FuseboxError): Buffer {
  return Buffer.concat([Buffer.from('event: error\ndata: '), anthropicErrorBody(error), Buffer.from('\n\n')]);
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
