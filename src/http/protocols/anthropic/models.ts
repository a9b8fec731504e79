import { idsOf, memberOf } from '../model-pages.js';
import type { ListedModel, ModelListing } from '../types.js';

/** The largest page Anthropic's listing serves. */
const PAGE_LIMIT = 1000;

const model = ({ id }: ListedModel) => ({ type: 'model', id, display_name: id, created_at: '1970-01-01T00:00:00Z' });

/**
 * `GET /v1/models` and `GET /v1/models/{id}` asked by an Anthropic client (it always sends
 * `anthropic-version`). Upstreams page their listing with `has_more` and `after_id`.
 */
export const anthropicListing: ModelListing = {
  path: '/v1/models',
  requiredHeader: 'anthropic-version',
  build(models) {
    const data = models.map(model);
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  },
  one: model,
  upstream: {
    pagePath: (after) => `/models?limit=${PAGE_LIMIT}${after === null ? '' : `&after_id=${encodeURIComponent(after)}`}`,
    parsePage(body) {
      const ids = idsOf(memberOf(body, 'data'), 'id');
      if (ids === null) return null;
      const last = memberOf(body, 'last_id');
      const next = memberOf(body, 'has_more') === true && typeof last === 'string' && last !== '' ? last : null;
      return { ids, next };
    },
  },
};
