/**
 * The one error catalogue. Each error has a stable code, an HTTP status and an error type;
 * src/http renders it in the client's protocol (OpenAI: `{"error":{"message","type","code"}}`).
 */
export const ERRORS = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  missing_model: { status: 400, type: 'invalid_request_error' },
  unknown_url: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  unauthorized: { status: 401, type: 'authentication_error' },
  unknown_actor: { status: 404, type: 'invalid_request_error' },
  invalid_config: { status: 400, type: 'invalid_request_error' },
  reload_unavailable: { status: 409, type: 'invalid_request_error' },
  forbidden_host: { status: 403, type: 'permission_error' },
  forbidden_origin: { status: 403, type: 'permission_error' },
  upstream_error_withheld: { status: 400, type: 'invalid_request_error' },
  translation_unsupported: { status: 400, type: 'invalid_request_error' },
  body_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  client_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  internal_error: { status: 500, type: 'server_error' },
  upstream_failed: { status: 502, type: 'server_error' },
  upstream_response_too_large: { status: 502, type: 'server_error' },
  no_route_available: { status: 503, type: 'server_error' },
  overloaded: { status: 503, type: 'server_error' },
  shutting_down: { status: 503, type: 'server_error' },
  upstream_timeout: { status: 504, type: 'server_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class FuseboxError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For 429s and 503s: when a retry may succeed; becomes a `Retry-After` header. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'FuseboxError';
    this.status = ERRORS[code].status;
    this.type = ERRORS[code].type;
  }
}
