import type { Mutable } from '../../shared/mutable.js';
import type { IncomingHttpHeaders } from 'node:http';
import { FuseboxError } from '../../shared/errors.js';
import type { RoutingGeneration } from '../../routing/generation.js';
import type { RouteTable } from '../../routing/route-table.js';
import type { CancelSignal, ClientSink, Job } from '../../routing/types.js';
import { forwardableRequestHeaders } from './headers.js';
import { listedModels, upstreamListed, type UpstreamModels } from './listed-models.js';
import { listingRequest, matchRoute, ownerOfPath, protocolSpec, type ListingRequest } from './registry.js';
import { formBoundary, formField } from '../../shared/form-field.js';
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
  /** The id of the client key that was accepted, if any. */
  readonly clientKey?: string;
}

/**
 * The client-facing endpoints of every protocol: which path is which protocol's route, the
 * model listings, and the one validation that turns a request body into a Job. A request is
 * routed to backends of its protocol's kind, and a chat request also to backends of other kinds,
 * translated, unless `routing.crossProtocol` is off (translation-route.ts).
 */
export interface ProtocolRoutes {
  match(pathname: string, search: URLSearchParams): ClientRoute | null;
  /** The 404 of a path no route names; below a protocol's prefix it names that protocol's endpoints. */
  unknown(method: string, pathname: string): FuseboxError;
  /**
   * The answer to a GET of a model listing (the whole listing, or one model's body, or a
   * `model_not_found` error naming it); null, decided at once, when the path is no listing.
   */
  listing(pathname: string, headers: IncomingHttpHeaders): Promise<unknown> | null;
  /** The Job for the generation the request is admitted with (its table and forwarded headers). */
  job(route: ClientRoute, parts: JobParts, generation: Pick<RoutingGeneration, 'table' | 'forwardHeaders'>): Job | FuseboxError;
}

/**
 * `currentTable`: the route table of the current generation, read per listing. `upstream`: the
 * upstreams' own listings of backends with globs; without it only configured names are listed.
 */
export function createProtocolRoutes(currentTable: () => RouteTable, upstream?: UpstreamModels): ProtocolRoutes {
  return {
    match: matchRoute,
    unknown: unknownRoute,
    listing(pathname, headers) {
      const request = listingRequest(pathname, headers);
      return request === null ? null : answerListing(request, currentTable(), upstream);
    },
    // Extras: headers some backend forwards beyond its protocol's allow-list; narrowed per backend upstream.
    job: (route, parts, generation) => buildJob(route, parts, generation.table, generation.forwardHeaders),
  };
}

async function answerListing({ spec, model }: ListingRequest, table: RouteTable, upstream?: UpstreamModels): Promise<unknown> {
  const scope = { protocol: spec.name, translation: listingTranslation(spec.name, table.crossProtocol) };
  const asked = upstreamListed(table, scope);
  const listed = listedModels(table, scope, upstream === undefined || asked.length === 0 ? new Map() : await upstream.listed(asked));
  if (model === null) return spec.modelListing.build(listed);
  const found = listed.find((entry) => entry.id === model);
  return found
    ? spec.modelListing.one(found)
    : new FuseboxError('model_not_found', `the model "${model}" is not served by any configured ${spec.name} backend`);
}

function buildJob(route: ClientRoute, parts: JobParts, table: RouteTable, extras: ReadonlySet<string>): Job | FuseboxError {
  const read = route.form ? readForm(parts) : readJson(parts.body);
  if (read instanceof FuseboxError) return read;
  const model = route.model ?? read.model;
  if (typeof model !== 'string' || model.length === 0) {
    const where = route.form ? 'the form must have a "model" field' : 'the request body must name a model ("model": "...")';
    return new FuseboxError('missing_model', where);
  }
  if (route.streams === 'body' && read.stream !== undefined && typeof read.stream !== 'boolean') {
    return new FuseboxError('invalid_request', '"stream" must be true or false');
  }
  const translation = routeTranslation(route, table.crossProtocol);
  if (!table.servesModel({ protocol: route.protocol, translation }, model)) {
    return new FuseboxError('model_not_found', `the model "${model}" is not served by any configured ${route.protocol} backend`);
  }
  const streamed = route.streams === 'always' || (route.streams === 'body' && read.stream === true);
  const job: Mutable<Job> = {
    id: parts.requestId,
    protocol: route.protocol,
    model,
    stream: streamed,
    upstreamPath: route.upstreamPath,
    body: parts.body,
    contentType: read.contentType,
    expects: route.expects ?? 'json',
    headers: forwardableRequestHeaders(parts.headers, protocolSpec(route.protocol).requestHeaders, extras),
    receivedAt: parts.receivedAt,
    signal: parts.signal,
    sink: parts.sink,
  };
  if (translation) job.translation = translation;
  if (parts.clientKey !== undefined) job.clientKey = parts.clientKey;
  if (streamed && protocolSpec(route.protocol).chat.serves(route)) job.resume = STREAM_RESUME;
  return job;
}

function unknownRoute(method: string, pathname: string): FuseboxError {
  const owner = ownerOfPath(pathname);
  const served = owner === null ? '' : `; fusebox serves ${owner.paths.join(', ')}`;
  return new FuseboxError('unknown_url', `unknown route ${method} ${pathname}${served}`);
}

/** What a request body says of its routing: the model, the stream flag, and how it is framed upstream. */
interface BodyFacts {
  readonly model: unknown;
  readonly stream: unknown;
  readonly contentType: string;
}

function readJson(bytes: Buffer): BodyFacts | FuseboxError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return new FuseboxError('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return new FuseboxError('invalid_request', 'the request body must be a JSON object');
  }
  const body = parsed as { model?: unknown; stream?: unknown };
  return { model: body.model, stream: body.stream, contentType: 'application/json' };
}

const FORM_FLAGS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['false', false],
]);

/** An upload: the model is a form field; the body goes upstream with the client's own boundary. */
function readForm(parts: JobParts): BodyFacts | FuseboxError {
  const contentType = parts.headers['content-type'];
  const boundary = formBoundary(contentType);
  if (contentType === undefined || boundary === null) {
    return new FuseboxError('invalid_request', 'the request body must be multipart/form-data (with a boundary)');
  }
  const flag = formField(parts.body, boundary, 'stream');
  const stream = flag === null ? undefined : (FORM_FLAGS.get(flag) ?? flag);
  return { model: formField(parts.body, boundary, 'model'), stream, contentType };
}
