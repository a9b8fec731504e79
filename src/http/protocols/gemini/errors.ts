import type { FuseboxError } from '../../../shared/errors.js';

/** `{"error":{"code":<status>,"message","status":"<RPC status>"}}`; in a stream, a `data:` event. */
export function geminiErrorBody(error: FuseboxError): Buffer {
  return Buffer.from(JSON.stringify({ error: { code: error.status, message: error.message, status: googleStatus(error.status) } }));
}

export function geminiInBandError(error: FuseboxError): Buffer {
  return Buffer.concat([Buffer.from('data: '), geminiErrorBody(error), Buffer.from('\n\n')]);
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
