import type { IncomingHttpHeaders } from 'node:http';
import { FuseboxError } from '../errors.js';
import type { RouteTable } from '../routing/route-table.js';
import type { ClientSink, Job } from '../routing/types.js';
import { forwardableRequestHeaders } from './headers.js';

/** The OpenAI-compatible endpoints fusebox routes, and the path each takes upstream. */
export interface OpenAiRoute {
  readonly upstreamPath: string;
  readonly streams: boolean;
}

export const OPENAI_ROUTES: ReadonlyMap<string, OpenAiRoute> = new Map([
  ['/v1/chat/completions', { upstreamPath: '/chat/completions', streams: true }],
  ['/v1/completions', { upstreamPath: '/completions', streams: true }],
  ['/v1/embeddings', { upstreamPath: '/embeddings', streams: false }],
]);

export interface JobParts {
  readonly route: OpenAiRoute;
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly requestId: string;
  readonly receivedAt: number;
  readonly signal: AbortSignal;
  readonly sink: ClientSink;
  readonly table: RouteTable;
}

/** Validates an OpenAI request body into a Job, or says what is wrong with it. */
export function openAiJob(parts: JobParts): Job | FuseboxError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(parts.body.toString('utf8'));
  } catch (error) {
    return new FuseboxError('invalid_json', `the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return new FuseboxError('invalid_request', 'the request body must be a JSON object');
  }
  const { model, stream } = parsed as { model?: unknown; stream?: unknown };
  if (typeof model !== 'string' || model.length === 0) {
    return new FuseboxError('missing_model', 'the request body must name a model ("model": "...")');
  }
  if (stream !== undefined && typeof stream !== 'boolean') {
    return new FuseboxError('invalid_request', '"stream" must be true or false');
  }
  if (!parts.table.servesModel('openai', model)) {
    return new FuseboxError('model_not_found', `the model "${model}" is not served by any configured backend`);
  }
  return {
    id: parts.requestId,
    protocol: 'openai',
    model,
    stream: stream === true && parts.route.streams,
    upstreamPath: parts.route.upstreamPath,
    body: parts.body,
    headers: forwardableRequestHeaders(parts.headers),
    receivedAt: parts.receivedAt,
    signal: parts.signal,
    sink: parts.sink,
  };
}

export function openAiModelList(table: RouteTable): unknown {
  return {
    object: 'list',
    data: table.modelNames('openai').map((id) => ({ id, object: 'model', created: 0, owned_by: 'fusebox' })),
  };
}
