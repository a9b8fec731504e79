import { Pool, type Dispatcher } from 'undici';
import type { Clock } from '../actors/clock.js';
import { secretKey } from '../routing/route-table.js';
import type { Attempt, Transport, UpstreamReply } from '../routing/types.js';
import { clientResponseHeaders, type HeaderMap } from './headers.js';
import { BodyQueue } from './upstream-body.js';

/**
 * The Transport that reaches upstreams: one undici Pool per origin, `dispatch` with a
 * handler, the chosen credential's secret put in here and nowhere earlier. Redirects are
 * never followed (undici's dispatch does not). Timeouts: connect (per pool), first chunk
 * (streams), idle gap between chunks (undici bodyTimeout), total (own timer).
 */
export interface UpstreamTransport extends Transport {
  close(): Promise<void>;
}

export interface UpstreamOptions {
  /** Secrets by `secretKey(backend, credential)`. */
  readonly secrets: ReadonlyMap<string, string>;
  readonly clock: Clock;
}

export function createUpstreamTransport(options: UpstreamOptions): UpstreamTransport {
  const pools = new Map<string, Pool>();

  function poolFor(origin: string, connectMs: number): Pool {
    const key = `${origin} ${connectMs}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new Pool(origin, { connect: { timeout: connectMs }, connections: 128, pipelining: 1 });
      pools.set(key, pool);
    }
    return pool;
  }

  return {
    send(attempt, signal) {
      const secret = options.secrets.get(secretKey(attempt.backend.id, attempt.credentialId));
      if (secret === undefined) {
        return Promise.resolve({ kind: 'failed', code: 'no_secret', message: 'credential has no secret', afterMs: 0 });
      }
      const url = new URL(attempt.backend.baseUrls[attempt.baseUrlIndex]!);
      const pool = poolFor(url.origin, attempt.backend.timeouts.connectMs);
      return dispatchAttempt(pool, url, attempt, secret, signal, options.clock);
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}

function upstreamHeaders(attempt: Attempt, secret: string): HeaderMap {
  return {
    ...attempt.job.headers,
    'content-type': 'application/json',
    'content-length': String(attempt.job.body.length),
    'x-request-id': attempt.job.id,
    authorization: `Bearer ${secret}`,
  };
}

function dispatchAttempt(
  pool: Pool,
  url: URL,
  attempt: Attempt,
  secret: string,
  signal: AbortSignal,
  clock: Clock,
): Promise<UpstreamReply> {
  const { job, backend } = attempt;
  const timeouts = backend.timeouts;
  const started = clock.now();
  const basePath = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;

  return new Promise<UpstreamReply>((resolve) => {
    let controller: Dispatcher.DispatchController | null = null;
    let body: BodyQueue | null = null;
    let abortCode: string | null = null;
    let settled = false;

    const timers: unknown[] = [];
    const clearTimers = () => timers.splice(0).forEach((t) => clock.clearTimeout(t));
    const abort = (code: string) => {
      if (abortCode !== null) return;
      abortCode = code;
      controller?.abort(new Error(code));
    };
    const onClientAbort = () => abort('client_cancelled');
    const finish = () => {
      clearTimers();
      signal.removeEventListener('abort', onClientAbort);
    };
    const fail = (code: string, message: string) => {
      finish();
      if (!settled) {
        settled = true;
        resolve({ kind: 'failed', code, message, afterMs: clock.now() - started });
      } else {
        body?.error(code, message);
      }
    };

    signal.addEventListener('abort', onClientAbort, { once: true });
    timers.push(clock.setTimeout(() => abort('timeout_total'), timeouts.totalMs));
    const firstChunkTimer = job.stream
      ? clock.setTimeout(() => abort('timeout_first_chunk'), timeouts.firstChunkMs)
      : null;
    if (firstChunkTimer !== null) timers.push(firstChunkTimer);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctrl) {
        controller = ctrl;
        if (abortCode !== null || signal.aborted) ctrl.abort(new Error(abortCode ?? 'client_cancelled'));
      },
      onResponseStart(ctrl, statusCode, headers) {
        if (statusCode < 200) return;
        body = new BodyQueue({ pause: () => ctrl.pause(), resume: () => ctrl.resume(), abort: (e) => ctrl.abort(e) });
        settled = true;
        resolve({
          kind: 'response',
          status: statusCode,
          headers: clientResponseHeaders(headers),
          body,
          headersAfterMs: clock.now() - started,
        });
      },
      onResponseData(_ctrl, chunk) {
        if (firstChunkTimer !== null) clock.clearTimeout(firstChunkTimer);
        body?.push(chunk);
      },
      onResponseEnd() {
        finish();
        body?.end();
      },
      onResponseError(_ctrl, error) {
        const code = abortCode ?? errorCode(error);
        fail(code, abortCode ? code : error.message);
      },
    };

    try {
      pool.dispatch(
        {
          method: 'POST',
          path: `${basePath}${job.upstreamPath}`,
          headers: upstreamHeaders(attempt, secret),
          body: job.body,
          headersTimeout: job.stream ? timeouts.firstChunkMs : timeouts.totalMs,
          bodyTimeout: timeouts.idleMs,
        },
        handler,
      );
    } catch (error) {
      fail('dispatch_error', (error as Error).message);
    }
  });
}

/** undici and socket errors → the short codes outcomes and logs use. */
export function errorCode(error: Error & { code?: string }): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connect_refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'connection_reset';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout_connect';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'timeout_headers';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout_idle';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns_failed';
    default:
      return error.code ? error.code.toLowerCase() : 'upstream_error';
  }
}
