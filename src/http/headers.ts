import type { IncomingHttpHeaders } from 'node:http';

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

/** Client headers an upstream may see; everything else (credentials included) is dropped. */
const FORWARDED_REQUEST_HEADERS = new Set([
  'content-type',
  'accept',
  'user-agent',
  'openai-beta',
  'openai-organization',
  'openai-project',
]);

export type HeaderMap = Record<string, string>;

/** The client's headers that may travel upstream (allow-list; hop-by-hop never pass). */
export function forwardableRequestHeaders(incoming: IncomingHttpHeaders): HeaderMap {
  const out: HeaderMap = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** An upstream's response headers as the client may see them. */
export function clientResponseHeaders(upstream: Record<string, string | string[] | undefined>): HeaderMap {
  const named = connectionNamed(upstream['connection']);
  const out: HeaderMap = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    if (name === 'content-length' || name === 'set-cookie') continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function connectionNamed(value: string | string[] | undefined): Set<string> {
  if (value === undefined) return new Set();
  const text = Array.isArray(value) ? value.join(',') : value;
  return new Set(text.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean));
}
