import type { Clock } from '../../shared/clock.js';
import type { Mutable } from '../../shared/mutable.js';
import type { BackendConfig } from '../../config/schema.js';
import { secretKey } from '../../routing/route-table.js';
import type { Attempt, CancelSignal, Transport, UpstreamReply } from '../../routing/types.js';
import { forUpstream, type HeaderMap } from '../protocols/headers.js';
import { protocolSpec } from '../protocols/registry.js';
import { collectReply, collectsStream, streamingBody } from './stream-only.js';
import { Pool } from './undici-pool.js';
import { dispatchOnce, isEventStream, type DispatchPlan } from './dispatch.js';
import { upstreamShape, upstreamTarget, type UpstreamShape } from './upstream-shape.js';
import type { AccessTokens } from './oauth-tokens.js';

export { errorCode } from './error-code.js';

/**
 * The Transport that reaches upstreams: one undici Pool per origin, `dispatch` with a
 * guarded handler (see upstream-dispatch.ts), the chosen credential's secret put in here and
 * nowhere earlier, in the backend's auth header (its kind's unless `auth` says otherwise), with
 * the backend's extra headers and query (upstream-shape.ts). Redirects are never followed.
 * Timeouts: connect (per pool), first data event (streams), idle gap between chunks, and
 * the request's total deadline (`receivedAt + totalMs`, shared by all its attempts).
 */
export interface UpstreamTransport extends Transport {
  /** The pool for a BaseURL's origin (shared with health probes). Throws once the transport is closed. */
  poolFor(baseUrl: URL, connectMs: number): Pool;
  /** Auth headers of a backend's credential `credentialId` (else its first), for health and recovery probes. */
  probeHeaders(backend: BackendConfig, credentialId?: string): HeaderMap;
  /**
   * Closes every pool, letting requests already dispatched finish. The owner (a config
   * generation, src/app/live-routing.ts) calls it once nothing uses the transport any more.
   */
  close(): Promise<void>;
}

export interface UpstreamOptions {
  /** API keys by `secretKey(backend, credential)`. */
  readonly secrets: ReadonlyMap<string, string>;
  /** The access tokens of OAuth credentials (same keys), when the config has any. */
  readonly tokens?: Pick<AccessTokens, 'current' | 'token'>;
  readonly clock: Clock;
  /** Largest stream collected for a streamOnly backend. */
  readonly maxCollectBytes?: number;
}

const DEFAULT_MAX_COLLECT = 64 * 1024 * 1024;
const NO_SECRET: UpstreamReply = { kind: 'failed', code: 'no_secret', message: 'credential has no secret', afterMs: 0 };

export function createUpstreamTransport(options: UpstreamOptions): UpstreamTransport {
  const pools = new Map<string, Pool>();
  /** Each backend's shape computed once (its config object is frozen for the transport's life). */
  const shapes = new Map<BackendConfig, UpstreamShape>();
  const { clock } = options;
  let closed = false;

  function shapeOf(backend: BackendConfig): UpstreamShape {
    let shape = shapes.get(backend);
    if (!shape) {
      shape = upstreamShape(backend);
      shapes.set(backend, shape);
    }
    return shape;
  }

  function poolFor(url: URL, connectMs: number): Pool {
    const key = `${url.origin} ${connectMs}`;
    let pool = pools.get(key);
    if (!pool) {
      // A closed transport makes no new pool: nothing would ever close it.
      if (closed) throw new Error('this upstream transport is closed');
      // No connection cap here: concurrency is bounded by server.maxConcurrent and each backend's
      // maxConcurrent, so a request never waits inside undici for a connection.
      pool = new Pool(url.origin, { connect: { timeout: connectMs }, connections: null, pipelining: 1 });
      pools.set(key, pool);
    }
    return pool;
  }

  /** A BaseURL's pool, looked up once per shape rather than by origin on every request. */
  const basePools = new WeakMap<UpstreamShape['bases'][number], Pool>();
  function poolOfBase(base: UpstreamShape['bases'][number], connectMs: number): Pool {
    let pool = basePools.get(base);
    if (pool === undefined || closed) {
      pool = poolFor(base.url, connectMs);
      basePools.set(base, pool);
    }
    return pool;
  }

  /** Sync up to the dispatch: a promise of its own only while an OAuth access token is on its way. */
  function send(attempt: Attempt, signal: CancelSignal): Promise<UpstreamReply> {
    const { job, backend } = attempt;
    const key = secretKey(backend.id, attempt.credentialId);
    const secret = options.secrets.get(key) ?? options.tokens?.token(key, job.receivedAt + backend.timeouts.totalMs - clock.now());
    if (typeof secret === 'string') return sendNow(attempt, signal, secret);
    if (secret === undefined) return Promise.resolve(NO_SECRET);
    return secret.then((token) => (token === undefined ? NO_SECRET : sendNow(attempt, signal, token)));
  }

  /** sendWith, its throw (a closed transport) a rejection as the Transport contract says. */
  function sendNow(attempt: Attempt, signal: CancelSignal, secret: string): Promise<UpstreamReply> {
    try {
      return sendWith(attempt, signal, secret);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  function sendWith(attempt: Attempt, signal: CancelSignal, secret: string): Promise<UpstreamReply> {
    const { job, backend } = attempt;
    const shape = shapeOf(backend);
    const collect = collectsStream(backend, job);
    const spec = protocolSpec(backend.kind);
    // A stream whose protocol reports usage only on request is asked to; the client never sees the report it did not ask for.
    const report = job.stream ? (spec.usage.askForReport?.(job.upstreamPath, job.body) ?? null) : null;
    const body = collect ? streamingBody(collect, job.body) : (report ?? job.body);
    const left = job.receivedAt + backend.timeouts.totalMs - clock.now();
    const plan: Mutable<DispatchPlan> = {
      method: 'POST',
      path: upstreamTarget(shape, attempt.baseUrlIndex, job.upstreamPath, job.model),
      headers: upstreamHeaders(backend, shape, job, secret, body.length),
      body,
      streaming: job.stream || collect !== null,
      protocol: backend.kind,
      timeouts: backend.timeouts,
      totalMs: Math.max(1, collect ? Math.min(left, backend.timeouts.collectMs ?? left) : left),
    };
    if (report) plan.dropUsageReport = true;
    if (attempt.wholeUpTo !== undefined) plan.wholeUpTo = attempt.wholeUpTo;
    const reply = dispatchOnce(poolOfBase(shape.bases[attempt.baseUrlIndex]!, backend.timeouts.connectMs), plan, signal, clock);
    if (!collect) return reply;
    return reply.then((answer) =>
      answer.kind !== 'response' || answer.status >= 300 || !isEventStream(answer.headers)
        ? answer
        : collectReply(
            collect,
            answer,
            options.maxCollectBytes ?? DEFAULT_MAX_COLLECT,
            () => clock.now(),
            (whole) => (whole ? spec.usage.fromBody(whole) : null),
          ),
    );
  }

  return {
    send,
    poolFor,
    probeHeaders(backend, credentialId) {
      const secretOf = (id: string) => options.secrets.get(secretKey(backend.id, id)) ?? options.tokens?.current(secretKey(backend.id, id));
      const named = credentialId === undefined ? undefined : secretOf(credentialId);
      const first = [...options.secrets.entries()].find(([key]) => key.startsWith(`${backend.id}\u0000`))?.[1];
      const secret = named ?? first ?? backend.credentials.map((c) => (c.id === undefined ? undefined : secretOf(c.id))).find((s) => s !== undefined);
      const headers = { ...protocolSpec(backend.kind).ownHeaders({}, backend), ...shapeOf(backend).headers };
      if (secret !== undefined) putCredential(headers, shapeOf(backend), secret);
      return headers;
    },
    async close() {
      closed = true;
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}

/**
 * What goes upstream, in one object, each later part winning: the backend's allowed client
 * headers, the protocol's own, the backend's extra headers, the credential.
 */
function upstreamHeaders(backend: BackendConfig, shape: UpstreamShape, job: Attempt['job'], secret: string, bodyLength: number): HeaderMap {
  const spec = protocolSpec(backend.kind);
  const headers = forUpstream(job.headers, spec.requestHeaders, backend.forwardHeaders);
  headers['content-type'] = job.contentType;
  Object.assign(headers, spec.ownHeaders(job.headers, backend), shape.headers);
  putCredential(headers, shape, secret);
  headers['content-length'] = String(bodyLength);
  headers['x-request-id'] = job.id;
  return headers;
}

/** The credential in the backend's auth header, after its prefix; nothing for a keyless backend. */
function putCredential(headers: HeaderMap, shape: UpstreamShape, secret: string): void {
  if (shape.auth !== null) headers[shape.auth.header] = `${shape.auth.prefix}${secret}`;
}
