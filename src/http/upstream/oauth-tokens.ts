import type { Logger } from 'pino';
import type { OAuthConfig } from '../../config/oauth-schema.js';
import type { FuseboxConfig } from '../../config/schema.js';
import { secretKey } from '../../routing/route-table.js';
import type { Clock } from '../../shared/clock.js';
import { exchangeRefreshToken, type ExchangeResult } from './oauth-exchange.js';
import { DEFAULT_LIFETIME_MS, refreshAfterMs, retryAfterMs, TOKEN_TIMING, type TokenTiming } from './oauth-timing.js';
import { Pool } from './undici-pool.js';

/**
 * The access tokens of OAuth credentials, kept in this closure only: never in actor context,
 * snapshots, logs, events or the admin API. Keyed like the transport's secrets
 * (`secretKey(backend, credential id)`).
 *
 * - Each credential has at most one exchange in flight; every request that needs its token
 *   meanwhile waits on that same exchange (at most `firstTokenWaitMs`, and never past its deadline).
 * - Tokens are refreshed on a timer before they expire (oauth-timing.ts), whatever the
 *   credential's state in its pool (a key cooling down comes back with a fresh token).
 * - A transient failure is retried with backoff; the current token serves until it expires.
 * - A permanent failure (`invalid_grant`, `invalid_client`…) drops the token, is logged once
 *   and reported through `onPermanentFailure` (the composition root disables the credential);
 *   no timer runs after it. A request asking for the token later than `maxRetryMs` after it (the
 *   credential's re-check) starts one exchange again.
 * - `reconcile` keeps the tokens (and a rotated refresh token) of credentials whose `oauth`
 *   settings are unchanged, fetches for new or changed ones, and drops removed ones.
 */
export interface AccessTokens {
  /** Whether `key` is an OAuth credential of the current config. */
  manages(key: string): boolean;
  /** Its access token when it has a live one now. */
  current(key: string): string | undefined;
  /**
   * An OAuth credential without a live access token now: its first exchange (or the refresh of an
   * expired token) is in flight or failing transiently. Not one refused for good: that one is
   * disabled, and a request that asks for it at its re-check starts the exchange.
   */
  pending(key: string): boolean;
  /** Its access token; when none is live, waits for the exchange in flight, at most min(firstTokenWaitMs, `deadlineMs`). */
  token(key: string, deadlineMs: number): string | undefined | Promise<string | undefined>;
  /** Counts the tokens `key` has been issued; passed back to `refreshAfterRejection`. */
  issued(key: string): number;
  /** The upstream refused token number `issued`: refresh once (joining one in flight), unless a newer token exists. */
  refreshAfterRejection(key: string, issued: number): Promise<void>;
  reconcile(config: FuseboxConfig): void;
  close(): Promise<void>;
}

export interface AccessTokenOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timing?: Partial<TokenTiming>;
  /** The endpoint refused the refresh token for good (`error` is the OAuth error code, never a secret). */
  readonly onPermanentFailure: (backendId: string, credentialId: string, error: string) => void;
  /** A secret that just arrived (an access token, a rotated refresh token): the log scrubber learns it. */
  readonly learn: (secret: string) => void;
}

interface Entry {
  readonly backendId: string;
  readonly credentialId: string;
  readonly kind: string;
  readonly oauth: OAuthConfig;
  /** The `oauth` settings as configured: an entry is kept across a reload while they are equal. */
  readonly settings: string;
  refreshToken: string;
  accessToken: string | null;
  expiresAt: number;
  issued: number;
  failures: number;
  failed: string | null;
  failedAt: number;
  inFlight: Promise<void> | null;
  abort: AbortController | null;
  timer: unknown;
  retryPending: boolean;
  dropped: boolean;
  readonly waiters: Set<() => void>;
}

export function createAccessTokens(options: AccessTokenOptions): AccessTokens {
  const { clock, logger } = options;
  const timing: TokenTiming = { ...TOKEN_TIMING, ...options.timing };
  const entries = new Map<string, Entry>();
  const pools = new Map<string, Pool>();
  let closed = false;

  function live(entry: Entry): string | undefined {
    return entry.accessToken !== null && clock.now() < entry.expiresAt ? entry.accessToken : undefined;
  }

  function poolFor(tokenUrl: string): Pool {
    const origin = new URL(tokenUrl).origin;
    let pool = pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connect: { timeout: timing.exchangeTimeoutMs }, connections: 4, pipelining: 1 });
      pools.set(origin, pool);
    }
    return pool;
  }

  function schedule(entry: Entry, delayMs: number, retry: boolean): void {
    if (entry.timer !== null) clock.clearTimeout(entry.timer);
    entry.retryPending = retry;
    entry.timer = clock.setTimeout(() => {
      entry.timer = null;
      entry.retryPending = false;
      void refresh(entry);
    }, delayMs);
  }

  function refresh(entry: Entry): Promise<void> {
    if (entry.inFlight) return entry.inFlight;
    if (entry.dropped || closed) return Promise.resolve();
    if (entry.timer !== null) clock.clearTimeout(entry.timer);
    entry.timer = null;
    entry.retryPending = false;
    const abort = new AbortController();
    entry.abort = abort;
    const request = { oauth: entry.oauth, refreshToken: entry.refreshToken, kind: entry.kind, timeoutMs: timing.exchangeTimeoutMs };
    entry.inFlight = exchangeRefreshToken(poolFor(entry.oauth.tokenUrl), request, abort.signal, clock)
      .catch((): ExchangeResult => ({ kind: 'transient', reason: 'exchange_error' }))
      .then((result) => {
        entry.inFlight = null;
        entry.abort = null;
        try {
          if (!entry.dropped) settle(entry, result);
        } catch (error) {
          logger.error({ err: error, backend: entry.backendId, credential: entry.credentialId }, 'could not record an OAuth token exchange');
        }
        for (const wake of [...entry.waiters]) wake();
      });
    return entry.inFlight;
  }

  function settle(entry: Entry, result: ExchangeResult): void {
    const who = { backend: entry.backendId, credential: entry.credentialId };
    if (result.kind === 'token') {
      options.learn(result.accessToken);
      if (result.refreshToken !== null) options.learn(result.refreshToken);
      const lifetimeMs = result.lifetimeMs ?? DEFAULT_LIFETIME_MS;
      entry.accessToken = result.accessToken;
      entry.expiresAt = clock.now() + lifetimeMs;
      entry.issued += 1;
      entry.refreshToken = result.refreshToken ?? entry.refreshToken;
      entry.failures = 0;
      entry.failed = null;
      schedule(entry, refreshAfterMs(lifetimeMs, timing.marginMs), false);
      return;
    }
    if (result.kind === 'permanent') {
      if (entry.failed === null)
        logger.error({ ...who, error: result.error }, 'the OAuth token endpoint refused the refresh token: credential disabled');
      entry.accessToken = null;
      entry.failed = result.error;
      entry.failedAt = clock.now();
      entry.failures = 0;
      options.onPermanentFailure(entry.backendId, entry.credentialId, result.error);
      return;
    }
    entry.failures += 1;
    const retryInMs = retryAfterMs(entry.failures, timing);
    logger.warn({ ...who, reason: result.reason, failures: entry.failures, retryInMs }, 'OAuth token refresh failed; retrying');
    schedule(entry, retryInMs, true);
  }

  function waitForToken(entry: Entry, waitMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const done = (): void => {
        clock.clearTimeout(timer);
        entry.waiters.delete(done);
        resolve(live(entry));
      };
      const timer = clock.setTimeout(done, waitMs);
      entry.waiters.add(done);
    });
  }

  function drop(entry: Entry): void {
    entry.dropped = true;
    if (entry.timer !== null) clock.clearTimeout(entry.timer);
    entry.abort?.abort();
    for (const wake of [...entry.waiters]) wake();
  }

  return {
    manages: (key) => entries.has(key),
    current(key) {
      const entry = entries.get(key);
      return entry ? live(entry) : undefined;
    },
    token(key, deadlineMs) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      const token = live(entry);
      if (token !== undefined) return token;
      // Refused for good just now (e.g. the refresh a 401 asked for): no second exchange at once.
      if (entry.failed !== null && clock.now() - entry.failedAt < timing.maxRetryMs) return undefined;
      if (!entry.retryPending) void refresh(entry);
      const waitMs = Math.min(timing.firstTokenWaitMs, deadlineMs);
      return waitMs > 0 ? waitForToken(entry, waitMs) : undefined;
    },
    pending(key) {
      const entry = entries.get(key);
      return entry !== undefined && entry.failed === null && live(entry) === undefined;
    },
    issued: (key) => entries.get(key)?.issued ?? 0,
    async refreshAfterRejection(key, issued) {
      const entry = entries.get(key);
      if (entry && entry.issued === issued) await refresh(entry);
    },
    reconcile(config) {
      const wanted = new Map<string, Entry>();
      const started: Entry[] = [];
      for (const backend of config.backends) {
        for (const credential of backend.credentials) {
          if (!credential.oauth || credential.id === undefined) continue;
          const key = secretKey(backend.id, credential.id);
          const settings = JSON.stringify([backend.kind, credential.oauth]);
          const kept = entries.get(key);
          if (kept?.settings === settings) {
            wanted.set(key, kept);
            continue;
          }
          const entry = freshEntry(backend.id, credential.id, backend.kind, credential.oauth, settings);
          wanted.set(key, entry);
          started.push(entry);
        }
      }
      for (const [key, entry] of entries) if (wanted.get(key) !== entry) drop(entry);
      entries.clear();
      for (const [key, entry] of wanted) entries.set(key, entry);
      for (const entry of started) void refresh(entry);
    },
    async close() {
      closed = true;
      for (const entry of entries.values()) drop(entry);
      entries.clear();
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}

function freshEntry(backendId: string, credentialId: string, kind: string, oauth: OAuthConfig, settings: string): Entry {
  return {
    backendId,
    credentialId,
    kind,
    oauth,
    settings,
    refreshToken: oauth.refreshToken,
    accessToken: null,
    expiresAt: 0,
    issued: 0,
    failures: 0,
    failed: null,
    failedAt: 0,
    inFlight: null,
    abort: null,
    timer: null,
    retryPending: false,
    dropped: false,
    waiters: new Set(),
  };
}
