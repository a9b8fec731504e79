import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The admin token check for operator routes (/admin/*, and /metrics when a token is set).
 * The token is sent as `Authorization: Bearer <token>` and nowhere else (never a query
 * string, never a cookie). Both sides are compared as SHA-256 digests with `timingSafeEqual`,
 * so the time taken says nothing about the token's length or a common prefix.
 *
 * - `off`: no `server.adminToken` is configured; the admin API does not exist (404).
 * - `ok`: the right token was presented.
 * - `denied`: a token is configured and the request did not present it (401).
 */
export type AdminVerdict = 'off' | 'ok' | 'denied';

export interface AdminAuth {
  readonly enabled: boolean;
  check(headers: IncomingHttpHeaders): AdminVerdict;
}

export function createAdminAuth(token: string | undefined): AdminAuth {
  const expected = token === undefined ? null : digest(token);
  return {
    enabled: expected !== null,
    check(headers) {
      if (expected === null) return 'off';
      const presented = bearerOf(headers.authorization);
      if (presented === null) return 'denied';
      return timingSafeEqual(digest(presented), expected) ? 'ok' : 'denied';
    },
  };
}

function bearerOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
  return match ? match[1]! : null;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
