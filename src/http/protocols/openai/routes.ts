import type { ClientRoute } from '../types.js';

export const OPENAI = 'openai';

/**
 * The OpenAI-compatible endpoints fusebox routes, and the path each takes upstream. An openai
 * backend's BaseURL includes the version prefix (`https://api.openai.com/v1`), so `/v1` is
 * dropped from the client's path.
 */
const OPENAI_ROUTES: ReadonlyMap<string, ClientRoute> = new Map(
  (
    [
      ['/v1/chat/completions', '/chat/completions', true],
      ['/v1/completions', '/completions', true],
      ['/v1/embeddings', '/embeddings', false],
    ] as const
  ).map(([path, upstreamPath, streams]) => [path, { protocol: OPENAI, upstreamPath, streams: streams ? 'body' : 'never' }]),
);

export function matchOpenAi(pathname: string): ClientRoute | null {
  return OPENAI_ROUTES.get(pathname) ?? null;
}
