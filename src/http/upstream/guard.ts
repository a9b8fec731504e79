import type { Logger } from 'pino';
import { FuseboxError } from '../../shared/errors.js';
import { readBounded } from '../../routing/bounded-body.js';
import { classify, isRedirect } from '../../routing/classify.js';
import type { Attempt, Transport, UpstreamReply } from '../../routing/types.js';
import { UpstreamBodyError } from '../../routing/types.js';
import { MIN_SCRUBBED_LENGTH, type Scrubber } from '../../shared/secret-scrub.js';
import { protocolSpec } from '../protocols/registry.js';
import { memoryBody } from './body-queue.js';

/**
 * A Transport decorator that keeps upstream secrets and addresses from reaching clients:
 * - a 3xx answer is never passed on (nor followed): it becomes a failed attempt, `upstream_redirect`;
 * - response headers whose value holds a secret, and Location-like headers, are dropped;
 * - an error body the client would see (4xx other than 401/403/408/429) is read (up to
 *   MAX_ERROR_BODY) and, when it could carry a key, an internal address or a stack trace,
 *   replaced by a clean error in the client's protocol, keeping the upstream status;
 * - failure messages are scrubbed of configured secrets.
 * 2xx bodies and streams pass through untouched.
 */
export interface UpstreamGuardOptions {
  readonly scrubber: Scrubber;
  /** The configured BaseURLs: their hosts count as internal addresses. */
  readonly baseUrls: readonly string[];
  readonly logger?: Logger;
}

export const MAX_ERROR_BODY = 64 * 1024;
const DROPPED_HEADERS = new Set(['location', 'content-location', 'refresh']);

export function guardUpstream<T extends Transport>(inner: T, options: UpstreamGuardOptions): T {
  const leaks = leakDetector(options);
  const guarded = Object.create(inner) as T;
  guarded.send = (attempt, signal) => inner.send(attempt, signal).then((reply) => screened(attempt, reply));
  /** The reply as the client may see it; a promise only for an error body that has to be read. */
  const screened = (attempt: Attempt, reply: UpstreamReply): UpstreamReply | Promise<UpstreamReply> => {
    if (reply.kind === 'failed') return { ...reply, message: options.scrubber.scrub(reply.message) };
    if (isRedirect(reply.status)) {
      reply.body.cancel('upstream_redirect');
      return {
        kind: 'failed',
        code: 'upstream_redirect',
        message: `upstream answered ${reply.status}; redirects are not followed`,
        afterMs: reply.headersAfterMs,
      };
    }
    const headers = cleanHeaders(reply.headers, options.scrubber);
    const outcome = classify({ kind: 'response', status: reply.status, headers: reply.headers }, 0);
    if (outcome.kind !== 'client_error') return headers === reply.headers ? reply : { ...reply, headers };
    return screenErrorBody(attempt, reply, headers, leaks, options.logger).then((screen) => ({ ...reply, ...screen }));
  };
  return guarded;
}

type Response = Extract<UpstreamReply, { kind: 'response' }>;

async function screenErrorBody(
  attempt: Attempt,
  reply: Response,
  headers: Record<string, string>,
  leaks: (text: string) => boolean,
  logger: Logger | undefined,
): Promise<Pick<Response, 'headers' | 'body'>> {
  const read = await readErrorBody(reply);
  if (read instanceof UpstreamBodyError) return { headers, body: memoryBody(null, read) };
  const encoded = (headers['content-encoding'] ?? 'identity').toLowerCase() !== 'identity';
  if (read !== null && !encoded && !leaks(read.toString('utf8'))) return { headers, body: memoryBody(read) };
  logger?.warn(
    { reqId: attempt.job.id, backend: attempt.backend.id, status: reply.status },
    'upstream error body withheld from the client: it could carry a credential or an internal address',
  );
  const clean = new FuseboxError(
    'upstream_error_withheld',
    `the upstream rejected the request (HTTP ${reply.status}); its error details were withheld because they could contain a credential or an internal address (request id ${attempt.job.id})`,
  );
  const { ['content-encoding']: _dropped, ...rest } = headers;
  return { headers: { ...rest, 'content-type': 'application/json' }, body: memoryBody(protocolSpec(attempt.job.protocol).errorBody(clean)) };
}

/** What could betray a secret or the network behind fusebox in an upstream error text. */
function leakDetector(options: UpstreamGuardOptions): (text: string) => boolean {
  const hosts = options.baseUrls.map((u) => new URL(u).host.toLowerCase());
  return (text) => {
    if (options.scrubber.contains(text)) return true;
    const lower = text.toLowerCase();
    if (hosts.some((host) => lower.includes(host))) return true;
    return SUSPICIOUS.some((pattern) => pattern.test(text));
  };
}

const SUSPICIOUS: readonly RegExp[] = [
  // URLs to loopback, private networks and internal names.
  /\b[a-z][a-z0-9+.-]*:\/\/(localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|\[(::1|f[cd][0-9a-f]{2}:|fe80:))/i,
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s/"'<>]+\.(internal|local|lan|corp|intranet|svc|cluster\.local)\b/i,
  // Credentials of well-known shapes, and bearer tokens.
  /\b(sk|rk|pk)-[A-Za-z0-9_-]{16,}/,
  /\bAIza[0-9A-Za-z_-]{30,}/,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{12,}/i,
  // Stack traces (Node, Java; raw or JSON-escaped line breaks) and Python tracebacks.
  /(\n|\\n)\s*at [^\n]*?[:(]\d+(:\d+)?\)?/,
  /Traceback \(most recent call last\)/,
];

/**
 * The headers without Location-like ones and any whose value holds a secret. Copy on write:
 * the same object when nothing is dropped (the usual answer), a copy without the dropped ones
 * otherwise. A value shorter than a scrubbed secret cannot hold one and is not scanned.
 */
function cleanHeaders(headers: Readonly<Record<string, string>>, scrubber: Scrubber): Readonly<Record<string, string>> {
  let out: Record<string, string> | null = null;
  for (const name in headers) {
    const value = headers[name]!;
    if (!DROPPED_HEADERS.has(name) && (value.length < MIN_SCRUBBED_LENGTH || !scrubber.contains(value))) continue;
    out ??= { ...headers };
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- only on the rare copy that drops a header
    delete out[name];
  }
  return out ?? headers;
}

/** The whole error body; null when over MAX_ERROR_BODY (the upstream is then cancelled, `error_body_too_large`). */
async function readErrorBody(reply: Response): Promise<Buffer | null | UpstreamBodyError> {
  try {
    return await readBounded(reply.body, MAX_ERROR_BODY, { reject: 'error_body_too_large' });
  } catch (error) {
    const failure = error as UpstreamBodyError;
    return failure.code === 'error_body_too_large' ? null : failure;
  }
}
