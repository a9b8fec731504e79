import { idsOf, memberOf } from '../model-pages.js';
import type { ListedModel, ModelListing } from '../types.js';

const model = ({ id, ownedBy }: ListedModel) => ({ id, object: 'model', created: 0, owned_by: ownedBy });

/** `GET /v1/models` and `GET /v1/models/{id}`; upstreams list theirs at `GET {baseUrl}/models`, in one page. */
export const openAiListing: ModelListing = {
  path: '/v1/models',
  build: (models) => ({ object: 'list', data: models.map(model) }),
  one: model,
  upstream: {
    pagePath: () => '/models',
    parsePage(body) {
      const ids = idsOf(memberOf(body, 'data'), 'id');
      return ids === null ? null : { ids, next: null };
    },
  },
};
