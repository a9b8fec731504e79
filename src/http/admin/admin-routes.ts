import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ActorTree } from '../../actors/actor-tree.js';
import type { Clock } from '../../shared/clock.js';
import { FuseboxError } from '../../shared/errors.js';
import type { BreakerEvent } from '../../machines/events.js';
import type { AdminAuth } from './admin-auth.js';
import type { AdminFeed } from './event-feed.js';
import { actorReport } from './actor-report.js';
import { DEFAULT_PROTOCOL } from '../protocols/registry.js';
import { writeError } from '../server/write-error.js';
import type { Metrics } from './metrics.js';
import type { UsageReport } from '../../routing/usage-ledger.js';
import { sendStatusPage } from './status-page.js';

/**
 * The operator routes: `/admin/*` (admin token required; absent when no token is configured),
 * `/metrics` (admin token required only when one is configured) and `/status` (a static
 * page; its data comes from /admin with the token the operator types in). Operator controls
 * are ordinary actor events sent through `tree.send`, so they are recorded like any other.
 */
export interface ReloadOutcome {
  readonly ok: true;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly updated: readonly string[];
  readonly kept: readonly string[];
}

export interface OperatorDeps {
  readonly tree: ActorTree;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly feed: AdminFeed;
  readonly metrics: Metrics;
  /** Token usage so far, totals and per hour (GET /admin/usage). */
  readonly usage: () => UsageReport;
  /** The admin token check; a function because a reload may change the token. */
  readonly auth: () => AdminAuth;
  /** Re-reads the config and reconciles; null when the gateway was not started from a file. */
  readonly reload: (() => Promise<ReloadOutcome>) | null;
  /** Each BaseURL actor's host and port (status-page.ts `mirrorHosts`), for the status page's labels. */
  readonly hosts: () => Readonly<Record<string, string>>;
}

export interface OperatorRoutes {
  handles(pathname: string): boolean;
  serve(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void>;
}

const CONTROLS = new Set(['isolate', 'release', 'reset']);

export function createOperatorRoutes(deps: OperatorDeps): OperatorRoutes {
  return {
    handles: (pathname) => pathname === '/metrics' || pathname === '/status' || pathname === '/admin' || pathname.startsWith('/admin/'),
    async serve(req, res, url, requestId) {
      try {
        await dispatch(req, res, url, requestId, deps);
      } catch (error) {
        if (!(error instanceof FuseboxError)) throw error;
        sendError(res, error, requestId);
      }
    },
  };
}

async function dispatch(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string, deps: OperatorDeps): Promise<void> {
  const path = url.pathname;
  const verdict = deps.auth().check(req.headers);
  if (path === '/status') {
    allow(req, 'GET');
    sendStatusPage(res, requestId, deps.auth().enabled);
    return;
  }
  if (path === '/metrics') {
    allow(req, 'GET');
    if (verdict === 'denied') throw unauthorized();
    const text = await deps.metrics.render();
    send(res, 200, deps.metrics.contentType, Buffer.from(text), requestId);
    return;
  }
  if (verdict === 'off') throw new FuseboxError('unknown_url', `unknown route ${req.method} ${path} (the admin API is off: set server.adminToken)`);
  if (verdict === 'denied') throw unauthorized();
  return adminRoute(req, res, path, requestId, deps);
}

async function adminRoute(req: IncomingMessage, res: ServerResponse, path: string, requestId: string, deps: OperatorDeps): Promise<void> {
  const { tree, clock } = deps;
  if (path === '/admin/actors') {
    allow(req, 'GET');
    sendJson(res, 200, { now: clock.now(), actors: tree.ids.map((id) => actorReport(tree.view(id), clock.now())) }, requestId);
    return;
  }
  if (path === '/admin/events') {
    allow(req, 'GET');
    deps.feed.attach(res, requestId);
    return;
  }
  if (path === '/admin/usage') {
    allow(req, 'GET');
    sendJson(res, 200, deps.usage(), requestId);
    return;
  }
  if (path === '/admin/hosts') {
    allow(req, 'GET');
    sendJson(res, 200, deps.hosts(), requestId);
    return;
  }
  if (path === '/admin/reload') {
    allow(req, 'POST');
    if (!deps.reload) throw new FuseboxError('reload_unavailable', 'this gateway was not started from a config file');
    sendJson(res, 200, await deps.reload(), requestId);
    return;
  }
  const match = /^\/admin\/actors\/([^/]+)(?:\/([a-z]+))?$/.exec(path);
  if (!match) throw new FuseboxError('unknown_url', `unknown route ${req.method} ${path}`);
  const actorId = decodeURIComponent(match[1]!);
  if (!tree.ids.includes(actorId)) throw new FuseboxError('unknown_actor', `no actor "${actorId}"`);
  const action = match[2];
  if (action === undefined) {
    allow(req, 'GET');
    sendJson(res, 200, actorReport(tree.view(actorId), clock.now()), requestId);
    return;
  }
  if (!CONTROLS.has(action)) throw new FuseboxError('unknown_url', `unknown control "${action}" (isolate, release, reset)`);
  allow(req, 'POST');
  const from = tree.view(actorId).state;
  tree.send(actorId, { type: `operator.${action}`, at: clock.now() } as BreakerEvent);
  const after = tree.view(actorId);
  deps.logger.info({ reqId: requestId, actor: actorId, action, from, to: after.state }, 'operator control');
  sendJson(res, 200, { actorId, action, from, to: after.state, actor: actorReport(after, clock.now()) }, requestId);
}

function allow(req: IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return;
  throw new FuseboxError('method_not_allowed', `this route accepts ${method} only`);
}

function unauthorized(): FuseboxError {
  return new FuseboxError('unauthorized', 'the admin API needs "Authorization: Bearer <server.adminToken>"');
}

export function sendJson(res: ServerResponse, status: number, value: unknown, requestId: string): void {
  send(res, status, 'application/json', Buffer.from(JSON.stringify(value)), requestId);
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, requestId: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(body.length),
    'cache-control': 'no-store',
    'x-request-id': requestId,
  });
  res.end(body);
}

function sendError(res: ServerResponse, error: FuseboxError, requestId: string): void {
  const challenge: Record<string, string> = error.code === 'unauthorized' ? { 'www-authenticate': 'Bearer realm="fusebox-admin"' } : {};
  writeError(res, error, DEFAULT_PROTOCOL, requestId, { ...challenge, 'cache-control': 'no-store' });
}
