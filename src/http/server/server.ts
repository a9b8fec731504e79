import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FuseboxConfig } from '../../config/schema.js';
import { FuseboxError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import type { RoutingGeneration } from '../../routing/generation.js';
import type { Job } from '../../routing/types.js';
import type { ClientLimits } from '../../config/client-keys-schema.js';
import { readBody } from './read-body.js';
import { ClientGone } from './client-gone.js';
import { ResponseSink } from './response-sink.js';
import { checkConnectionsOnlyWhileOpen } from './connection-check.js';
import { createProtocolRoutes, type ProtocolRoutes } from '../protocols/client-routes.js';
import type { ClientRoute } from '../protocols/types.js';
import type { UpstreamModels } from '../protocols/listed-models.js';
import { DEFAULT_PROTOCOL, protocolOfPath } from '../protocols/registry.js';
import type { OperatorRoutes } from '../admin/admin-routes.js';
import { createRequestGuard, type GuardVerdict, type RequestGuard } from './request-guard.js';
import { writeError } from './write-error.js';
import { clusterHealth, type ClusterView } from '../../shared/cluster-view.js';
import { createGracefulClose } from './graceful-close.js';
import { fullUrl, requestTarget, type RequestTarget } from './request-target.js';

/**
 * The node:http front door: limits, parsing, request ids, then a Job into the pipeline.
 * Everything the client did wrong is answered here, in the error format of the path's protocol.
 */
export interface JobSubmitter {
  submit(job: Job, generation: RoutingGeneration): boolean;
}

export interface ServerDeps {
  readonly config: FuseboxConfig;
  /**
   * The current config generation; read once per request, when it is admitted (see
   * routing/generation.ts), and submitted with its job in the same synchronous stretch.
   */
  readonly generation: () => RoutingGeneration;
  readonly pipeline: JobSubmitter;
  readonly logger: Logger;
  readonly clock: Clock;
  /** True while the gateway is shutting down: new requests get 503 (so do they once `closeGracefully` began). */
  readonly closing: () => boolean;
  /** The server settings now (a reload changes client keys, CORS origins, allowed Hosts). */
  readonly currentServer: () => FuseboxConfig['server'];
  /** /admin/*, /metrics, /status: guarded by the admin token, not by client keys. */
  readonly operator?: OperatorRoutes;
  /** This instance's membership of a cluster: /healthz says whether it reaches the shared store. */
  readonly cluster?: ClusterView;
  /** The upstreams' own model listings (backends with globs); without it listings name configured models only. */
  readonly upstreamModels?: UpstreamModels;
  readonly accounting?: FrontDoorAccounting;
}

/** What the front door counts: client keys' limits, and every request it refuses before routing. */
export interface FrontDoorAccounting {
  /** Admits (and counts) one request of client key `keyId`, or says when the refusing window ends. */
  admit(keyId: string, limits: ClientLimits, now: number): { readonly limit: string; readonly retryAfterMs: number } | null;
  /** A request answered with `error` before it reached routing. */
  refused(error: FuseboxError): void;
}

/** The front door's server, with its graceful close (see graceful-close.ts). */
export interface FrontDoorServer extends Server {
  /** Answers new requests 503 while `drain` runs (at most `graceMs`), then stops listening. */
  closeGracefully(drain: () => Promise<void>, graceMs: number): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createHttpServer(deps: ServerDeps): FrontDoorServer {
  const guard = createRequestGuard(deps.currentServer, deps.logger, (error) => deps.accounting?.refused(error));
  const routes = createProtocolRoutes(() => deps.generation().table, deps.upstreamModels);
  // Made once, not per request: the server's own closing flag joins the gateway's.
  const served: ServerDeps = { ...deps, closing: () => graceful.closing || deps.closing() };
  const server = createServer(serverTimeouts(deps.config.server), (req, res) => {
    graceful.track(res);
    try {
      handle(req, res, served, guard, routes);
    } catch (error) {
      unexpected(served, req, res, error);
    }
  });
  const graceful = createGracefulClose(server, deps.clock);
  checkConnectionsOnlyWhileOpen(server);
  return Object.assign(server, { closeGracefully: (drain: () => Promise<void>, graceMs: number) => graceful.close(drain, graceMs) });
}

type Admitted = Extract<GuardVerdict, { readonly answered: false }>;

/** One request as the front door has taken it in so far: what answering or refusing it needs. */
interface Arrival {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly deps: ServerDeps;
  readonly requestId: string;
  readonly url: RequestTarget;
  readonly started: number;
}

/**
 * Synchronous up to the body's read, and after it: a request allocates no promise here. Only
 * operator routes and listings are async; their failures, and anything thrown after the body
 * arrived, are answered as fusebox's own error (`unexpected`), as a throw before it is.
 */
function handle(req: IncomingMessage, res: ServerResponse, deps: ServerDeps, guard: RequestGuard, routes: ProtocolRoutes): void {
  const requestId = requestIdOf(req);
  const url = requestTarget(req.url ?? '/');
  const verdict = guard(req, res, requestId, url);
  if (verdict.answered) return;
  const arrival: Arrival = { req, res, deps, requestId, url, started: deps.clock.now() };
  if (deps.closing()) {
    // Nothing of the request is read: its connection ends with the answer.
    res.setHeader('connection', 'close');
    refuse(arrival, new FuseboxError('shutting_down', 'fusebox is shutting down', 1000));
    return;
  }

  if (url.pathname === '/healthz' && req.method === 'GET') {
    sendJson(res, 200, { status: 'ok', ...clusterHealth(deps.cluster) }, requestId);
    return;
  }
  if (deps.operator?.handles(url.pathname)) {
    deps.operator.serve(req, res, fullUrl(req.url ?? '/'), requestId).catch((error: unknown) => unexpected(deps, req, res, error));
    return;
  }
  const listing = req.method === 'GET' ? routes.listing(url.pathname, req.headers) : null;
  if (listing !== null) {
    listing
      .then((answer) => (answer instanceof FuseboxError ? refuse(arrival, answer) : sendJson(res, 200, answer, requestId)))
      .catch((error: unknown) => unexpected(deps, req, res, error));
    return;
  }
  const route = routes.match(url.pathname, url.searchParams);
  if (!route) {
    refuse(arrival, routes.unknown(req.method ?? 'GET', url.pathname));
    return;
  }
  if (req.method !== 'POST') {
    refuse(arrival, new FuseboxError('method_not_allowed', `${url.pathname} accepts POST only`));
    return;
  }
  readBody(req, deps.config.server.maxBodyBytes, (body) => {
    try {
      submit(arrival, routes, route, verdict, body);
    } catch (error) {
      unexpected(deps, req, res, error);
    }
  });
}

/** The body is in: the request becomes a Job, admitted against its client key's limits and the pipeline's. */
function submit(arrival: Arrival, routes: ProtocolRoutes, route: ClientRoute, verdict: Admitted, body: Buffer | FuseboxError): void {
  const { req, res, deps, requestId } = arrival;
  if (body instanceof FuseboxError) {
    res.setHeader('connection', 'close');
    refuse(arrival, body);
    return;
  }
  const clientGone = new ClientGone();
  res.on('close', () => {
    if (!res.writableFinished) clientGone.abort();
  });
  const generation = deps.generation();
  const job = routes.job(
    route,
    {
      body,
      headers: req.headers,
      requestId,
      receivedAt: arrival.started,
      signal: clientGone,
      sink: new ResponseSink(res, route.protocol, requestId),
      ...(verdict.keyId !== undefined ? { clientKey: verdict.keyId } : {}),
    },
    generation,
  );
  if (job instanceof FuseboxError) {
    refuse(arrival, job);
    return;
  }
  const overLimit = verdict.keyId !== undefined && verdict.limits ? deps.accounting?.admit(verdict.keyId, verdict.limits, deps.clock.now()) : null;
  if (overLimit) {
    // A day's tokens do not come back within an SDK's retry: tell it not to try.
    const noRetry = overLimit.limit === 'tokensPerDay' ? { 'x-should-retry': 'false' } : undefined;
    refuse(
      arrival,
      new FuseboxError('client_limit_exceeded', `this client key is over its ${overLimit.limit} limit`, overLimit.retryAfterMs),
      noRetry,
    );
    return;
  }
  if (!deps.pipeline.submit(job, generation)) {
    refuse(arrival, new FuseboxError('overloaded', 'fusebox is at its concurrency limit; retry shortly', 1000));
  }
}

/** A request refused before routing: counted, logged, and answered in the path's protocol. */
function refuse(arrival: Arrival, error: FuseboxError, headers?: Record<string, string>): void {
  const { req, res, deps, requestId, url } = arrival;
  deps.accounting?.refused(error);
  deps.logger.info(
    { reqId: requestId, method: req.method, path: url.pathname, status: error.status, error: error.code, ms: deps.clock.now() - arrival.started },
    'request',
  );
  writeError(res, error, protocolOfPath(url.pathname).name, requestId, headers);
}

/** An error of fusebox's own while handling a request: logged, and answered 500. */
function unexpected(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  deps.logger.error({ err: error }, 'unexpected error while handling a request');
  writeError(res, new FuseboxError('internal_error', 'internal error'), DEFAULT_PROTOCOL, requestIdOf(req));
}

/** Slow-loris guards; the check runs often enough for the configured header timeout to bite, and only while a connection is open (connection-check.ts). */
function serverTimeouts(server: FuseboxConfig['server']) {
  return {
    headersTimeout: server.headersTimeoutMs,
    requestTimeout: server.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(server.headersTimeoutMs / 2))),
  };
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function sendJson(res: ServerResponse, status: number, value: unknown, requestId: string): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-request-id': requestId,
  });
  res.end(body);
}
