import type { RouteTable } from '../../../routing/route-table.js';
import type { ProtocolRoute } from '../routes.js';

/**
 * Anthropic's Messages API. An anthropic backend's BaseURL includes the version prefix, like
 * an openai one (`https://api.anthropic.com/v1`), so `/v1` is dropped from the client's path.
 * The client's `anthropic-version` and `anthropic-beta` headers pass through; without a
 * version the backend's `anthropicVersion` is sent.
 */
const ANTHROPIC_ROUTES: ReadonlyMap<string, ProtocolRoute> = new Map([
  ['/v1/messages', { protocol: 'anthropic', upstreamPath: '/messages', streams: 'body' }],
  ['/v1/messages/count_tokens', { protocol: 'anthropic', upstreamPath: '/messages/count_tokens', streams: 'never' }],
]);

export function matchAnthropic(pathname: string): ProtocolRoute | null {
  return ANTHROPIC_ROUTES.get(pathname) ?? null;
}

/** `GET /v1/models` asked by an Anthropic client (it always sends `anthropic-version`). */
export function isAnthropicListing(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  return typeof headers['anthropic-version'] === 'string';
}

export function anthropicModelList(table: RouteTable): unknown {
  const data = table.modelNames('anthropic').map((id) => ({
    type: 'model',
    id,
    display_name: id,
    created_at: '1970-01-01T00:00:00Z',
  }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
