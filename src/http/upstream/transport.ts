import type { Clock } from '../../shared/clock.js';
import type { BackendConfig } from '../../config/schema.js';
import { secretKey } from '../../routing/route-table.js';
import type { Attempt, CancelSignal, Transport, UpstreamReply } from '../../routing/types.js';
import { forUpstream, type HeaderMap } from '../protocols/headers.js';
import { protocolSpec } from '../protocols/registry.js';
import { collectReply, collectsStream, streamingBody } from './stream-only.js';
import { Pool } from './undici-pool.js';
import { dispatchOnce, isEventStream } from './dispatch.js';

export { errorCode } from './dispatch.js';

/**
 * The Transport that reaches upstreams: one undici Pool per origin, `dispatch` with a
 * guarded handler (see upstream-dispatch.ts), the chosen credential's secret put in here and
 * nowhere earlier, in the header of the backend's kind. Redirects are never followed.
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
  /** Secrets by `secretKey(backend, credential)`. */
  readonly secrets: ReadonlyMap<string, string>;
  readonly clock: Clock;
  /** Largest stream collected for a streamOnly backend. */
  readonly maxCollectBytes?: number;
}

const DEFAULT_MAX_COLLECT = 64 * 1024 * 1024;

export function createUpstreamTransport(options: UpstreamOptions): UpstreamTransport {
  const pools = new Map<string, Pool>();
  /** Each BaseURL parsed once, with what every request to it would otherwise recompute. */
  const parsed = new Map<string, BaseUrlEntry>();
  const { clock } = options;
  let closed = false;

  function parse(baseUrl: string): BaseUrlEntry {
    let found = parsed.get(baseUrl);
    if (!found) {
      const url = new URL(baseUrl);
      found = { url, prefix: trimSlash(url.pathname), paths: new Map(), pools: new Map() };
      parsed.set(baseUrl, found);
    }
    return found;
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

  /** The pool of a BaseURL for a connect timeout, found without building its key again. */
  function poolOf(entry: BaseUrlEntry, connectMs: number): Pool {
    let pool = entry.pools.get(connectMs);
    if (!pool) {
      pool = poolFor(entry.url, connectMs);
      entry.pools.set(connectMs, pool);
    }
    return pool;
  }

  /** The upstream path of a BaseURL for a client route's path, joined once. */
  function pathOf(entry: BaseUrlEntry, upstreamPath: string): string {
    let path = entry.paths.get(upstreamPath);
    if (path === undefined) {
      path = `${entry.prefix}${upstreamPath}`;
      entry.paths.set(upstreamPath, path);
    }
    return path;
  }

  async function send(attempt: Attempt, signal: CancelSignal): Promise<UpstreamReply> {
    const { job, backend } = attempt;
    const secret = options.secrets.get(secretKey(backend.id, attempt.credentialId));
    if (secret === undefined) return { kind: 'failed', code: 'no_secret', message: 'credential has no secret', afterMs: 0 };
    const entry = parse(backend.baseUrls[attempt.baseUrlIndex]!);
    const collect = collectsStream(backend, job);
    const body = collect ? streamingBody(collect, job.body) : job.body;
    const left = job.receivedAt + backend.timeouts.totalMs - clock.now();
    const reply = await dispatchOnce(
      poolOf(entry, backend.timeouts.connectMs),
      {
        method: 'POST',
        path: pathOf(entry, job.upstreamPath),
        headers: upstreamHeaders(backend, job, secret, body.length),
        body,
        streaming: job.stream || collect !== null,
        protocol: backend.kind,
        timeouts: backend.timeouts,
        totalMs: Math.max(1, collect ? Math.min(left, backend.timeouts.collectMs ?? left) : left),
      },
      signal,
      clock,
    );
    if (!collect || reply.kind !== 'response' || reply.status >= 300 || !isEventStream(reply.headers)) return reply;
    return collectReply(collect, reply, options.maxCollectBytes ?? DEFAULT_MAX_COLLECT, () => clock.now());
  }

  return {
    send,
    poolFor,
    probeHeaders(backend, credentialId) {
      const named = credentialId === undefined ? undefined : options.secrets.get(secretKey(backend.id, credentialId));
      if (named !== undefined) return credentialHeaders(backend, {}, named);
      const first = [...options.secrets.entries()].find(([key]) => key.startsWith(`${backend.id}\u0000`));
      return first ? credentialHeaders(backend, {}, first[1]) : {};
    },
    async close() {
      closed = true;
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
      parsed.clear();
    },
  };
}

/** What goes upstream: the backend's allowed client headers, then the credential; one object. */
function upstreamHeaders(backend: BackendConfig, job: Attempt['job'], secret: string, bodyLength: number): HeaderMap {
  const headers = forUpstream(job.headers, protocolSpec(backend.kind).requestHeaders, backend.forwardHeaders);
  headers['content-type'] = 'application/json';
  Object.assign(headers, credentialHeaders(backend, job.headers, secret));
  headers['content-length'] = String(bodyLength);
  headers['x-request-id'] = job.id;
  return headers;
}

/** The credential in the header the backend's kind expects. */
function credentialHeaders(backend: BackendConfig, client: Readonly<HeaderMap>, secret: string): HeaderMap {
  return protocolSpec(backend.kind).upstreamAuth(secret, client, backend);
}

/**
 * A BaseURL as requests use it: its URL, its path without the trailing slash, its upstream paths
 * by client route path and its pools by connect timeout (both few: routes and timeouts are config).
 */
interface BaseUrlEntry {
  readonly url: URL;
  readonly prefix: string;
  readonly paths: Map<string, string>;
  readonly pools: Map<number, Pool>;
}

function trimSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}
