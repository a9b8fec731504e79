import type { IncomingHttpHeaders } from 'node:http';
import { FuseboxError } from '../../shared/errors.js';
import type { RoutingGeneration } from '../../routing/generation.js';
import type { RouteTable } from '../../routing/route-table.js';
import type { CancelSignal, ClientSink, Job } from '../../routing/types.js';
import { forwardableRequestHeaders } from './headers.js';
import { listingProtocol, matchRoute, protocolSpec } from './registry.js';
import { listingTranslation, routeTranslation } from './translation-route.js';
import { STREAM_RESUME } from './stream-resume-route.js';
import type { ClientRoute } from './types.js';

/** What the front door knows of a request when it asks for its Job. */
export interface JobParts {
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly requestId: string;
  readonly receivedAt: number;
  readonly signal: CancelSignal;
  readonly sink: ClientSink;
}

/**
 * The client-facing endpoints of every protocol: which path is which protocol's route, the
 * model listings, and the one validation that turns a request body into a Job. A request is
 * routed to backends of its protocol's kind, and a chat request also to backends of other kinds,
 * translated, unless `routing.crossProtocol` is off (translation-route.ts).
 */
export interface ProtocolRoutes {
  match(pathname: string, search: URLSearchParams): ClientRoute | null;
  /** The model listing a GET asks for, or null when the path is no listing. */
  listing(pathname: string, headers: IncomingHttpHeaders): unknown;
  /** The Job for the generation the request is admitted with (its table and forwarded headers). */
  job(route: ClientRoute, parts: JobParts, generation: Pick<RoutingGeneration, 'table' | 'forwardHeaders'>): Job | FuseboxError;
}

/** `currentTable`: the route table of the current generation, read per listing. */
export function createProtocolRoutes(currentTable: () => RouteTable): ProtocolRoutes {
  return {
    match: matchRoute,
    listing(pathname, headers) {
      const spec = listingProtocol(pathname, headers);
      if (spec === null) return null;
      const table = currentTable();
      return spec.modelListing.build(table.modelNames({ protocol: spec.name, translation: listingTranslation(spec.name, table.crossProtocol) }));
    },
    // Extras: headers some backend forwards beyond its protocol's allow-list; narrowed per backend upstream.
    job: (route, parts, generation) => buildJob(route, parts, generation.table, generation.forwardHeaders),
  };
}

function buildJob(route: ClientRoute, parts: JobParts, table: RouteTable, extras: ReadonlySet<string>): Job | FuseboxError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(parts.body.toString('utf8'));
  } catch (error) {
    return new FuseboxError('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return new FuseboxError('invalid_request', 'the request body must be a JSON object');
  }
  const body = parsed as { model?: unknown; stream?: unknown };
  const model = route.model ?? body.model;
  const stream = body.stream;
  if (typeof model !== 'string' || model.length === 0) {
    return new FuseboxError('missing_model', 'the request body must name a model ("model": "...")');
  }
  if (route.streams === 'body' && stream !== undefined && typeof stream !== 'boolean') {
    return new FuseboxError('invalid_request', '"stream" must be true or false');
  }
  const translation = routeTranslation(route, table.crossProtocol);
  if (!table.servesModel({ protocol: route.protocol, translation }, model)) {
    return new FuseboxError('model_not_found', `the model "${model}" is not served by any configured ${route.protocol} backend`);
  }
  const streamed = route.streams === 'always' || (route.streams === 'body' && stream === true);
  return {
    id: parts.requestId,
    protocol: route.protocol,
    model,
    stream: streamed,
    upstreamPath: route.upstreamPath,
    body: parts.body,
    headers: forwardableRequestHeaders(parts.headers, protocolSpec(route.protocol).requestHeaders, extras),
    receivedAt: parts.receivedAt,
    signal: parts.signal,
    sink: parts.sink,
    ...(translation ? { translation } : {}),
    ...(streamed && protocolSpec(route.protocol).chat.serves(route) ? { resume: STREAM_RESUME } : {}),
  };
}
