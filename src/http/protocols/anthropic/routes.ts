import type { ClientRoute } from '../types.js';

export const ANTHROPIC = 'anthropic';

/**
 * Anthropic's Messages API. An anthropic backend's BaseURL includes the version prefix, like
 * an openai one (`https://api.anthropic.com/v1`), so `/v1` is dropped from the client's path.
 */
const ANTHROPIC_ROUTES: ReadonlyMap<string, ClientRoute> = new Map([
  ['/v1/messages', { protocol: ANTHROPIC, upstreamPath: '/messages', streams: 'body' }],
  ['/v1/messages/count_tokens', { protocol: ANTHROPIC, upstreamPath: '/messages/count_tokens', streams: 'never' }],
]);

export const ANTHROPIC_PATHS: readonly string[] = [
  ...[...ANTHROPIC_ROUTES.keys()].map((path) => `POST ${path}`),
  'GET /v1/models',
  'GET /v1/models/{id}',
];

export function matchAnthropic(pathname: string): ClientRoute | null {
  return ANTHROPIC_ROUTES.get(pathname) ?? null;
}
