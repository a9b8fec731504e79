import type { IncomingHttpHeaders } from 'node:http';
import { FuseboxError } from '../../shared/errors.js';
import type { RoutingGeneration } from '../../routing/generation.js';
import type { RouteTable } from '../../routing/route-table.js';
import type { CancelSignal, ClientSink, Job, Protocol } from '../../routing/types.js';
import { anthropicModelList, isAnthropicListing, matchAnthropic } from './anthropic/routes.js';
import { geminiModelList, isGeminiListing, matchGemini } from './gemini/routes.js';
import { forwardableRequestHeaders } from './headers.js';
import { matchOpenAi, openAiModelList } from './openai/routes.js';

/**
 * The client-facing endpoints of all three protocols: which path is which protocol's route,
 * the model listings, and the one validation that turns a request body into a Job. A request
 * is routed only to backends of its protocol's kind (no translation between protocols).
 */
export interface ProtocolRoute {
  readonly protocol: Protocol;
  /** Path appended to the backend's BaseURL (which ends with its version prefix). */
  readonly upstreamPath: string;
  /** `body`: streams when the body says `"stream": true`; `always`/`never`: decided by the path. */
  readonly streams: 'body' | 'always' | 'never';
  /** The model named by the path (Gemini); otherwise it is read from the body. */
  readonly model?: string;
}

export interface JobParts {
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly requestId: string;
  readonly receivedAt: number;
  readonly signal: CancelSignal;
  readonly sink: ClientSink;
}

export interface ProtocolRoutes {
  match(pathname: string, search: URLSearchParams): ProtocolRoute | null;
  /** The model listing a GET asks for, or null when the path is no listing. */
  listing(pathname: string, headers: IncomingHttpHeaders): unknown;
  /** The Job for the generation the request is admitted with (its table and forwarded headers). */
  job(route: ProtocolRoute, parts: JobParts, generation: Pick<RoutingGeneration, 'table' | 'forwardHeaders'>): Job | FuseboxError;
}

/** `currentTable`: the route table of the current generation, read per listing. */
export function createProtocolRoutes(currentTable: () => RouteTable): ProtocolRoutes {
  return {
    match: (pathname, search) => matchOpenAi(pathname) ?? matchAnthropic(pathname) ?? matchGemini(pathname, search),
    listing(pathname, headers) {
      const table = currentTable();
      if (pathname === '/v1/models') return isAnthropicListing(headers) ? anthropicModelList(table) : openAiModelList(table);
      return isGeminiListing(pathname) ? geminiModelList(table) : null;
    },
    // Extras: headers some backend forwards beyond its protocol's allow-list; narrowed per backend upstream.
    job: (route, parts, generation) => buildJob(route, parts, generation.table, generation.forwardHeaders),
  };
}

function buildJob(route: ProtocolRoute, parts: JobParts, table: RouteTable, extras: ReadonlySet<string>): Job | FuseboxError {
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
  if (!table.servesModel(route.protocol, model)) {
    return new FuseboxError('model_not_found', `the model "${model}" is not served by any configured ${route.protocol} backend`);
  }
  return {
    id: parts.requestId,
    protocol: route.protocol,
    model,
    stream: route.streams === 'always' || (route.streams === 'body' && stream === true),
    upstreamPath: route.upstreamPath,
    body: parts.body,
    headers: forwardableRequestHeaders(parts.headers, route.protocol, extras),
    receivedAt: parts.receivedAt,
    signal: parts.signal,
    sink: parts.sink,
  };
}
