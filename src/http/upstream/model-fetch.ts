import type { BackendConfig } from '../../config/schema.js';
import { readBounded } from '../../routing/bounded-body.js';
import { UpstreamBodyError } from '../../routing/types.js';
import type { Clock } from '../../shared/clock.js';
import { protocolSpec } from '../protocols/registry.js';
import { dispatchOnce } from './dispatch.js';
import type { UpstreamTransport } from './transport.js';
import { upstreamShape, upstreamTarget } from './upstream-shape.js';

/** The largest listing page read; a larger one fails the listing. */
const MAX_PAGE_BYTES = 8 * 1024 * 1024;
/** A listing that pages on past this is cut off (a token that never ends). */
const MAX_PAGES = 50;

/** Why an upstream listing failed: a status, a failure code or a shape; never a body or a secret. */
export class ModelListingError extends Error {}

/**
 * Asks a backend's upstream for its models: `GET {baseUrl}{page path}` in its kind's shape
 * (the spec's `modelListing.upstream`, with the backend's `query`), every page, with the backend's first credential in its
 * kind's header (the Transport's probe headers, so the same auth code as requests), through the
 * BaseURL's guarded pool. BaseURLs are tried in order until one lists; the whole listing must
 * end within `timeoutMs`. Resolves with the ids, deduplicated, in the upstream's order.
 */
export async function fetchModelIds(
  transport: Pick<UpstreamTransport, 'poolFor' | 'probeHeaders'>,
  backend: BackendConfig,
  signal: AbortSignal,
  clock: Clock,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = clock.now() + timeoutMs;
  let failure = new ModelListingError('no BaseURL');
  const shape = upstreamShape(backend);
  for (const [index, baseUrl] of backend.baseUrls.entries()) {
    if (shape.bases[index]!.pieces.length > 1) {
      failure = new ModelListingError(`${new URL(baseUrl).host}: a BaseURL with {model} (a deployment path) has no listing`);
      continue;
    }
    try {
      const page = (token: string | null) => upstreamTarget(shape, index, protocolSpec(backend.kind).modelListing.upstream.pagePath(token), '');
      return await listFrom(transport, backend, new URL(baseUrl), page, { signal, clock, deadline });
    } catch (error) {
      if (!(error instanceof ModelListingError)) throw error;
      failure = new ModelListingError(`${new URL(baseUrl).host}: ${error.message}`);
      if (signal.aborted || clock.now() >= deadline) break;
    }
  }
  throw failure;
}

interface Bounds {
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly deadline: number;
}

async function listFrom(
  transport: Pick<UpstreamTransport, 'poolFor' | 'probeHeaders'>,
  backend: BackendConfig,
  url: URL,
  pagePath: (token: string | null) => string,
  bounds: Bounds,
) {
  const listing = protocolSpec(backend.kind).modelListing.upstream;
  const ids = new Set<string>();
  let token: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const body = await getPage(transport, backend, url, pagePath(token), bounds);
    const parsed = listing.parsePage(body);
    if (parsed === null) throw new ModelListingError(`the answer is no ${backend.kind} model listing`);
    for (const id of parsed.ids) ids.add(id);
    token = parsed.next;
    if (token === null) return [...ids];
  }
  throw new ModelListingError(`more than ${MAX_PAGES} pages`);
}

async function getPage(
  transport: Pick<UpstreamTransport, 'poolFor' | 'probeHeaders'>,
  backend: BackendConfig,
  url: URL,
  path: string,
  { signal, clock, deadline }: Bounds,
): Promise<unknown> {
  const left = deadline - clock.now();
  if (left <= 0) throw new ModelListingError('timed out');
  const reply = await dispatchOnce(
    transport.poolFor(url, backend.timeouts.connectMs),
    {
      method: 'GET',
      path,
      headers: { ...transport.probeHeaders(backend), accept: 'application/json', 'user-agent': 'fusebox-model-listing' },
      body: null,
      streaming: false,
      protocol: backend.kind,
      timeouts: backend.timeouts,
      totalMs: left,
    },
    signal,
    clock,
  );
  if (reply.kind === 'failed') throw new ModelListingError(reply.code);
  if (reply.status !== 200) {
    reply.body.cancel('discarded');
    throw new ModelListingError(`HTTP ${reply.status}`);
  }
  try {
    return JSON.parse((await readBounded(reply.body, MAX_PAGE_BYTES, { reject: 'response_too_large' })).toString('utf8')) as unknown;
  } catch (error) {
    throw new ModelListingError(error instanceof UpstreamBodyError ? error.code : 'the answer is not JSON');
  }
}
