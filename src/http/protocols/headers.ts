import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderMap } from './types.js';

export type { HeaderMap } from './types.js';

/** Header rules in both directions. Names are lower-case throughout. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Client headers an upstream may see: these, plus each protocol's own (its spec's
 * `requestHeaders`); everything else (credentials included) is dropped. A backend may name
 * extras (`forwardHeaders`), never credentials (the config schema refuses them).
 */
export const COMMON_REQUEST_HEADERS: readonly string[] = ['content-type', 'accept', 'user-agent'];

/**
 * The client's headers that may travel upstream: the protocol's allow-list plus `extras`
 * (the union of the backends' `forwardHeaders`; `forUpstream` narrows to one backend's).
 */
export function forwardableRequestHeaders(
  incoming: IncomingHttpHeaders,
  allowed: ReadonlySet<string>,
  extras: ReadonlySet<string> = NO_EXTRAS,
): HeaderMap {
  const out: HeaderMap = {};
  for (const names of [allowed, extras]) {
    for (const name of names) {
      if (CLIENT_PROXY_HEADERS.test(name)) continue;
      const value = incoming[name];
      if (typeof value === 'string') out[name] = value;
    }
  }
  return out;
}

const NO_EXTRAS: ReadonlySet<string> = new Set();

/** Proxy-chain headers a client could forge: dropped even when a backend's forwardHeaders names them. */
const CLIENT_PROXY_HEADERS = /^(x-forwarded-.*|forwarded|x-real-ip|via)$/;

/** A job's forwardable headers narrowed to what one backend accepts. */
export function forUpstream(headers: Readonly<HeaderMap>, allowed: ReadonlySet<string>, extras: readonly string[]): HeaderMap {
  const out: HeaderMap = {};
  for (const name in headers) {
    if (allowed.has(name) || extras.includes(name)) out[name] = headers[name]!;
  }
  return out;
}

/** An upstream's response headers as the client may see them. */
export function clientResponseHeaders(upstream: Record<string, string | string[] | undefined>): HeaderMap {
  const named = connectionNamed(upstream['connection']);
  const out: HeaderMap = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'content-length' || name === 'set-cookie') continue;
    if (named !== null && named.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The usual `Connection` values, one token each: what they name is known without parsing. */
const KEEP_ALIVE = /^\s*keep-alive\s*$/i;
const CLOSE = /^\s*close\s*$/i;
const NAMES_CLOSE: ReadonlySet<string> = new Set(['close']);

/** The headers a `Connection` header names, to be dropped as hop-by-hop; null when it names none beyond HOP_BY_HOP. */
function connectionNamed(value: string | string[] | undefined): ReadonlySet<string> | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (KEEP_ALIVE.test(text)) return null;
  if (CLOSE.test(text)) return NAMES_CLOSE;
  return new Set(
    text
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * What travels to a backend of another kind: the headers every protocol shares (no
 * protocol-specific header of the client's, like `anthropic-version`) and the backend's own
 * `forwardHeaders`. `accept` is left to the backend's protocol.
 */
export function translatedHeaders(headers: Readonly<HeaderMap>, backend: { readonly forwardHeaders: readonly string[] }): HeaderMap {
  const out: HeaderMap = {};
  for (const name in headers) {
    if ((name !== 'accept' && COMMON_REQUEST_HEADERS.includes(name)) || backend.forwardHeaders.includes(name)) out[name] = headers[name]!;
  }
  return out;
}
