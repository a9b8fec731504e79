import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ClientKeyEntry } from '../../config/client-keys-schema.js';
import type { RequestTarget } from './request-target.js';

/**
 * Client authentication for the protocol routes. A key is accepted from
 * `Authorization: Bearer <key>` (OpenAI clients), `x-api-key` (Anthropic clients) or
 * `x-goog-api-key` (Gemini clients), never from the query string. Keys are compared as
 * SHA-256 digests with `timingSafeEqual`, against every configured key without an early
 * exit, so the time taken says nothing about a key's length or its common prefix. An accepted
 * request is known by its key's id from here on, never by the key.
 */
export type AuthResult =
  | { readonly ok: true; /** The matched key's id; absent when no keys are configured. */ readonly keyId?: string }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'query_string' };

export interface ClientAuth {
  /** False when no client keys are configured: every request is let through (loopback only). */
  readonly enabled: boolean;
  check(headers: IncomingHttpHeaders, url: RequestTarget): AuthResult;
}

/** Query parameters a client might put a key in; their presence is answered with a hint. */
const QUERY_KEY_PARAMS = ['key', 'api_key', 'api-key', 'apikey', 'access_token'];

export function createClientAuth(keys: readonly ClientKeyEntry[]): ClientAuth {
  const digests = keys.map((entry) => digest(entry.key));
  return {
    enabled: digests.length > 0,
    check(headers, url) {
      if (digests.length === 0) return { ok: true };
      const presented = presentedKeys(headers);
      if (presented.length === 0) {
        const inQuery = QUERY_KEY_PARAMS.some((name) => url.searchParams.has(name));
        return { ok: false, reason: inQuery ? 'query_string' : 'missing' };
      }
      let matched = -1;
      for (const key of presented) {
        if (key === null) continue;
        const candidate = digest(key);
        digests.forEach((known, index) => {
          // No short-circuit: every comparison runs whatever the outcome.
          if (timingSafeEqual(candidate, known) && matched === -1) matched = index;
        });
      }
      return matched === -1 ? { ok: false, reason: 'invalid' } : { ok: true, keyId: keys[matched]!.id };
    },
  };
}

/**
 * The keys a request carries, in any of the three accepted headers (empty values ignored).
 * An Authorization header that is not `Bearer <key>` counts as presented but matches
 * nothing (null), so the request is refused as invalid rather than as missing.
 */
export function presentedKeys(headers: IncomingHttpHeaders): (string | null)[] {
  const keys: (string | null)[] = [];
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    keys.push(match ? match[1]! : null);
  }
  for (const name of ['x-api-key', 'x-goog-api-key']) {
    const value = headers[name];
    if (typeof value === 'string' && value.trim().length > 0) keys.push(value.trim());
  }
  return keys;
}

/** What a rejected client is told; never echoes what it sent. */
export function authFailureMessage(reason: 'missing' | 'invalid' | 'query_string'): string {
  switch (reason) {
    case 'missing':
      return 'an API key is required: send it as "Authorization: Bearer <key>", "x-api-key" or "x-goog-api-key"';
    case 'query_string':
      return 'API keys are not accepted in the query string; send the key in the "Authorization", "x-api-key" or "x-goog-api-key" header';
    case 'invalid':
      return 'the API key is not valid for this fusebox';
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
