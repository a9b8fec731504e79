import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { FuseboxConfig } from '../../config/schema.js';
import { clientKeyEntries, type ClientLimits } from '../../config/client-keys-schema.js';
import { FuseboxError } from '../../shared/errors.js';
import { authFailureMessage, createClientAuth } from './client-auth.js';
import { createCorsPolicy } from './cors.js';
import { ownerOfPath, protocolOfPath } from '../protocols/registry.js';
import { createHostCheck, hostHeaderCount } from './host-check.js';
import { writeError } from './write-error.js';
import type { RequestTarget } from './request-target.js';

/**
 * The checks every request passes before anything else looks at it, in this order:
 * exactly one Host header (RFC 9112 section 3.2; node itself refuses an HTTP/1.1 request
 * without one), Host (DNS rebinding), Origin (CORS), then the client key for protocol routes (/v1/...,
 * /v1beta/...). /healthz and operator routes (/admin, /metrics, /status) need no client
 * key; operator routes guard themselves with their own token. A refused request is answered
 * here, in the protocol's error format, and logged without anything it sent.
 */
export interface RequestGuard {
  /** `answered`: the request has been answered (refused, or a CORS preflight) and must go no further. */
  (req: IncomingMessage, res: ServerResponse, requestId: string, url: RequestTarget): GuardVerdict;
}

/** A request let through is known by its client key's id and that key's limits, never by the key. */
export type GuardVerdict = { readonly answered: true } | { readonly answered: false; readonly keyId?: string; readonly limits?: ClientLimits };

const ANSWERED: GuardVerdict = { answered: true };
const PASSED: GuardVerdict = { answered: false };

type ServerConfig = FuseboxConfig['server'];

/**
 * `server` is read on every request: client keys, CORS origins and allowed Hosts follow a
 * config reload at once (the checks are rebuilt when the server settings object changes).
 */
export function createRequestGuard(server: () => ServerConfig, logger: Logger, refused?: (error: FuseboxError) => void): RequestGuard {
  let built: {
    for: ServerConfig;
    hostOk: ReturnType<typeof createHostCheck>;
    cors: ReturnType<typeof createCorsPolicy>;
    auth: ReturnType<typeof createClientAuth>;
    limits: ReadonlyMap<string, ClientLimits>;
  } | null = null;
  const checks = () => {
    const current = server();
    if (built?.for !== current) {
      const keys = clientKeyEntries(current.apiKeys);
      built = {
        for: current,
        hostOk: createHostCheck(current),
        cors: createCorsPolicy(current.cors.origins),
        auth: createClientAuth(keys),
        limits: new Map(keys.flatMap((key) => (key.limits ? [[key.id, key.limits] as const] : []))),
      };
    }
    return built;
  };

  return (req, res, requestId, url) => {
    const { hostOk, cors, auth, limits } = checks();
    const refuse = (error: FuseboxError, headers: Record<string, string> = {}, reason?: string): GuardVerdict => {
      refused?.(error);
      logger.info(
        { reqId: requestId, method: req.method, path: url.pathname, status: error.status, error: error.code, ...(reason ? { reason } : {}) },
        'request',
      );
      // The request body was never read: close the connection rather than drain an unknown body.
      writeError(res, error, protocolOfPath(url.pathname).name, requestId, { ...headers, connection: 'close' });
      return ANSWERED;
    };

    if (hostHeaderCount(req.rawHeaders) > 1) {
      return refuse(new FuseboxError('invalid_request', 'a request must carry exactly one Host header'));
    }
    if (!hostOk(req.headers.host, req.socket.localPort)) {
      return refuse(new FuseboxError('forbidden_host', 'this Host is not allowed to reach fusebox'));
    }
    const decision = cors(req);
    if (decision.kind === 'refused') {
      return refuse(new FuseboxError('forbidden_origin', 'this origin is not allowed to use fusebox'));
    }
    if (decision.kind === 'preflight') {
      res.writeHead(204, { ...decision.headers, 'content-length': '0', 'x-request-id': requestId });
      res.end();
      return ANSWERED;
    }
    for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
    if (!needsClientKey(url.pathname)) return PASSED;
    const verdict = auth.check(req.headers, url);
    if (verdict.ok) {
      if (verdict.keyId === undefined) return PASSED;
      const keyLimits = limits.get(verdict.keyId);
      return { answered: false, keyId: verdict.keyId, ...(keyLimits ? { limits: keyLimits } : {}) };
    }
    const challenge = { 'www-authenticate': 'Bearer realm="fusebox"' };
    return refuse(new FuseboxError('unauthorized', authFailureMessage(verdict.reason)), challenge, verdict.reason);
  };
}

/** Protocol routes (paths some protocol owns) need a client key (when keys are configured); nothing else does. */
export function needsClientKey(pathname: string): boolean {
  return ownerOfPath(pathname) !== null;
}
