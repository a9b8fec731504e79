import type { ServerResponse } from 'node:http';
import type { FuseboxError } from '../../shared/errors.js';
import { protocolSpec } from '../protocols/registry.js';

/**
 * The one way fusebox answers with an error it produced itself (front door, admin, and the
 * routing pipeline's sink before a response has started): the error in `protocol`'s format,
 * with its status, `x-request-id`, `x-should-retry: false` for 5xx and `retry-after` when the
 * error carries a hint. `headers` are added (the error's own headers win). A response whose
 * head is already out cannot carry an error any more: its connection is destroyed.
 */
export function writeError(
  res: ServerResponse,
  error: FuseboxError,
  protocol: string,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = protocolSpec(protocol).errorBody(error);
  const head = { ...headers, ...errorHeaders(error), 'content-length': String(body.length), 'x-request-id': requestId };
  if (!res.destroyed) res.writeHead(error.status, head);
  res.end(body);
}

/** Headers that go with every error fusebox itself produces. */
export function errorHeaders(error: FuseboxError): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error.status >= 500) headers['x-should-retry'] = 'false';
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  return headers;
}
