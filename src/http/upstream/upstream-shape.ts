import type { BackendConfig } from '../../config/schema.js';
import { MODEL_PLACEHOLDER } from '../../config/upstream-shape-schema.js';
import type { HeaderMap } from '../protocols/headers.js';
import { protocolSpec } from '../protocols/registry.js';
import type { UpstreamAuth } from '../protocols/types.js';

/**
 * The shape a backend's upstream is addressed in, computed once per backend: for each BaseURL
 * its path split around `{model}`, the query string of the backend's `query`, its extra
 * headers, and where the credential goes (null: nowhere). Requests and probes both build
 * their path and headers from it, so a probe reaches the upstream exactly as a request does.
 * It holds the configured header and query values (some are secrets): it lives in the HTTP
 * layer only, like the credentials' secrets.
 */
export interface UpstreamShape {
  readonly bases: readonly BaseShape[];
  /** `name=value&…`, URL-encoded; empty when the backend has no `query`. */
  readonly query: string;
  readonly headers: Readonly<HeaderMap>;
  readonly auth: UpstreamAuth | null;
}

interface BaseShape {
  readonly url: URL;
  /** The BaseURL's path (no trailing slash) in pieces between `{model}` placeholders. */
  readonly pieces: readonly string[];
}

/** `{model}` as it stands in a parsed URL's path. */
const ENCODED_PLACEHOLDER = encodeURI(MODEL_PLACEHOLDER);

export function upstreamShape(backend: BackendConfig): UpstreamShape {
  const headers: HeaderMap = {};
  for (const [name, setting] of Object.entries(backend.headers)) headers[name] = setting.value;
  const query = Object.entries(backend.query)
    .map(([name, setting]) => `${encodeURIComponent(name)}=${encodeURIComponent(setting.value)}`)
    .join('&');
  const auth = backend.auth === 'none' ? null : (backend.auth ?? protocolSpec(backend.kind).auth);
  return { bases: backend.baseUrls.map(baseShape), query, headers, auth };
}

function baseShape(baseUrl: string): BaseShape {
  const url = new URL(baseUrl);
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return { url, pieces: path.split(ENCODED_PLACEHOLDER) };
}

/** The request target below BaseURL `index`: its path with `{model}` filled in, `path`, then the backend's query. */
export function upstreamTarget(shape: UpstreamShape, index: number, path: string, model: string): string {
  const { pieces } = shape.bases[index]!;
  const base = pieces.length === 1 ? pieces[0]! : pieces.join(encodeURIComponent(model));
  if (shape.query === '') return `${base}${path}`;
  return `${base}${path}${path.includes('?') ? '&' : '?'}${shape.query}`;
}
