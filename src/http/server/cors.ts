import type { IncomingMessage } from 'node:http';

/**
 * Browser access. No `Access-Control-Allow-Origin: *`, ever, and no credentials mode: only
 * origins listed in server.cors.origins get CORS headers. A request that carries an `Origin`
 * that is neither configured nor this server's own is refused outright, because a simple
 * cross-site POST (text/plain) would otherwise still be executed, spending the user's keys,
 * even though the browser hides the answer.
 */
export type CorsDecision =
  /** Not a browser cross-origin request, or a permitted one: go on, adding `headers`. */
  | { readonly kind: 'pass'; readonly headers: Readonly<Record<string, string>> }
  /** A permitted preflight: answer 204 with `headers`, nothing else. */
  | { readonly kind: 'preflight'; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'refused'; readonly origin: string };

export type CorsPolicy = (req: IncomingMessage) => CorsDecision;

const ALLOW_METHODS = 'GET, POST, OPTIONS';
const EXPOSE_HEADERS = 'x-request-id, x-fusebox-backend, x-fusebox-attempts, retry-after';
const HEADER_LIST = /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/;

export function createCorsPolicy(origins: readonly string[]): CorsPolicy {
  const allowed = new Set(origins);
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return { kind: 'pass', headers: {} };
    if (!allowed.has(origin)) {
      // Same-origin requests carry Origin too (POST); the Host header was checked before this.
      const sameOrigin = req.headers.host !== undefined && origin === `http://${req.headers.host}`;
      return sameOrigin && req.method !== 'OPTIONS' ? { kind: 'pass', headers: {} } : { kind: 'refused', origin };
    }
    const base = { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) {
      return { kind: 'pass', headers: { ...base, 'access-control-expose-headers': EXPOSE_HEADERS } };
    }
    const requested = req.headers['access-control-request-headers'];
    const headers: Record<string, string> = {
      ...base,
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      'access-control-allow-methods': ALLOW_METHODS,
      'access-control-max-age': '600',
    };
    if (typeof requested === 'string' && HEADER_LIST.test(requested)) headers['access-control-allow-headers'] = requested;
    if (req.headers['access-control-request-private-network'] === 'true') {
      headers['access-control-allow-private-network'] = 'true';
    }
    return { kind: 'preflight', headers };
  };
}
