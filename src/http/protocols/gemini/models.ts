import { idsOf, memberOf } from '../model-pages.js';
import type { ListedModel, ModelListing } from '../types.js';

/** The largest page Gemini's listing serves. */
const PAGE_SIZE = 1000;
const METHODS = ['generateContent', 'streamGenerateContent', 'countTokens'];

const model = ({ id }: ListedModel) => ({ name: `models/${id}`, displayName: id, supportedGenerationMethods: METHODS });

/**
 * `GET /v1beta/models` and `GET /v1beta/models/{name}`. Upstreams name models `models/{id}`
 * and page their listing with `nextPageToken` / `pageToken`.
 */
export const geminiListing: ModelListing = {
  path: '/v1beta/models',
  build: (models) => ({ models: models.map(model) }),
  one: model,
  upstream: {
    pagePath: (token) => `/models?pageSize=${PAGE_SIZE}${token === null ? '' : `&pageToken=${encodeURIComponent(token)}`}`,
    parsePage(body) {
      const ids = idsOf(memberOf(body, 'models'), 'name', 'models/');
      if (ids === null) return null;
      const next = memberOf(body, 'nextPageToken');
      return { ids, next: typeof next === 'string' && next !== '' ? next : null };
    },
  },
};
