import type { Clock } from '../../shared/clock.js';
import type { OAuthConfig } from '../../config/oauth-schema.js';
import { readBounded } from '../../routing/bounded-body.js';
import { UpstreamBodyError, type Protocol } from '../../routing/types.js';
import { dispatchOnce } from './dispatch.js';
import type { Pool } from './undici-pool.js';

/**
 * One refresh-token exchange (RFC 6749 §6): a form-encoded POST of `grant_type=refresh_token`
 * to the token endpoint, through the same guarded undici dispatch as upstream requests, and
 * what its answer means. The result holds secrets (the tokens): it goes to the token manager only.
 */
export type ExchangeResult =
  | {
      readonly kind: 'token';
      readonly accessToken: string;
      /** `expires_in` in ms, or null when the endpoint named none. */
      readonly lifetimeMs: number | null;
      /** The rotated refresh token, when the endpoint returned one. */
      readonly refreshToken: string | null;
    }
  /** The endpoint refused the refresh token or the client for good (`invalid_grant`, `invalid_client`…). */
  | { readonly kind: 'permanent'; readonly error: string }
  /** Worth retrying: 5xx, 429, network, timeouts, an answer that is not a token. `reason` names no secret. */
  | { readonly kind: 'transient'; readonly reason: string };

/** OAuth error codes after which the same request can never succeed. */
const PERMANENT_ERRORS: ReadonlySet<string> = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
]);

const MAX_ANSWER_BYTES = 64 * 1024;

export interface ExchangeRequest {
  readonly oauth: OAuthConfig;
  /** The refresh token to present: the configured one, or the last one the endpoint rotated in. */
  readonly refreshToken: string;
  /** The backend's kind (the dispatcher's protocol; only streams use it). */
  readonly kind: Protocol;
  readonly timeoutMs: number;
}

export async function exchangeRefreshToken(pool: Pool, request: ExchangeRequest, signal: AbortSignal, clock: Clock): Promise<ExchangeResult> {
  const url = new URL(request.oauth.tokenUrl);
  const body = Buffer.from(formBody(request.oauth, request.refreshToken));
  const reply = await dispatchOnce(
    pool,
    {
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'content-length': String(body.length),
        'user-agent': 'fusebox-oauth',
      },
      body,
      streaming: false,
      protocol: request.kind,
      timeouts: {
        connectMs: request.timeoutMs,
        firstChunkMs: request.timeoutMs,
        firstByteMs: request.timeoutMs,
        idleMs: request.timeoutMs,
        totalMs: request.timeoutMs,
      },
      totalMs: request.timeoutMs,
    },
    signal,
    clock,
  );
  if (reply.kind === 'failed') return { kind: 'transient', reason: reply.code };
  let text: string;
  try {
    text = (await readBounded(reply.body, MAX_ANSWER_BYTES, { reject: 'response_too_large' })).toString('utf8');
  } catch (error) {
    return { kind: 'transient', reason: error instanceof UpstreamBodyError ? error.code : 'body_error' };
  }
  return exchangeOutcome(reply.status, text);
}

/** The form the token endpoint is sent (client credentials in the body, `client_secret_post`). */
export function formBody(oauth: OAuthConfig, refreshToken: string): string {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: oauth.clientId });
  if (oauth.clientSecret !== undefined) form.set('client_secret', oauth.clientSecret);
  if (oauth.scope !== undefined) form.set('scope', oauth.scope);
  return form.toString();
}

/** What a token endpoint's answer means. Pure. */
export function exchangeOutcome(status: number, text: string): ExchangeResult {
  const json = parseObject(text);
  if (status >= 200 && status < 300) {
    const accessToken = json?.['access_token'];
    if (typeof accessToken !== 'string' || accessToken === '' || /[\r\n]/.test(accessToken)) {
      return { kind: 'transient', reason: 'answer without an access_token' };
    }
    const rotated = json?.['refresh_token'];
    return {
      kind: 'token',
      accessToken,
      lifetimeMs: lifetimeOf(json?.['expires_in']),
      refreshToken: typeof rotated === 'string' && rotated !== '' && !/[\r\n]/.test(rotated) ? rotated : null,
    };
  }
  const error = json?.['error'];
  if ((status === 400 || status === 401) && typeof error === 'string' && PERMANENT_ERRORS.has(error)) return { kind: 'permanent', error };
  return { kind: 'transient', reason: `http_${status}` };
}

/** `expires_in` (seconds, a number or a numeric string) in ms; null when absent or not a positive number. */
function lifetimeOf(value: unknown): number | null {
  const seconds = typeof value === 'string' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
