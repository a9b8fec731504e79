import type { BackendConfig } from '../../config/schema.js';
import { servesKind, type BackendRoute, type RouteTable } from '../../routing/route-table.js';
import type { KindScope } from '../../routing/translation-step.js';
import type { ListedModel } from './types.js';

/**
 * The upstreams' own model listings, for backends whose `models` has a glob (the catalog in
 * src/app/model-catalog.ts): each backend's model ids as last listed, by backend id. A
 * backend absent from the answer has not been listed (yet) or cannot be listed.
 */
export interface UpstreamModels {
  listed(backends: readonly BackendConfig[]): Promise<ReadonlyMap<string, readonly string[]>>;
}

/** Only a backend with a glob in `models` has names fusebox cannot know from the config. */
export function listsUpstream(backend: BackendConfig): boolean {
  return backend.models.some((model) => model.includes('*'));
}

/**
 * The models clients see for `scope`: each backend's (in config order) explicit model names, its
 * aliases' client names, and its upstream's listed ids that its globs match (an id some alias
 * points to is listed under the alias's name instead). The first backend to list an id owns it.
 */
export function listedModels(table: RouteTable, scope: KindScope, upstream: ReadonlyMap<string, readonly string[]>): ListedModel[] {
  const listed = new Map<string, ListedModel>();
  for (const backend of table.backends) {
    if (!servesKind(backend, scope)) continue;
    for (const id of modelsOf(backend, upstream.get(backend.config.id) ?? [])) {
      if (!listed.has(id)) listed.set(id, { id, ownedBy: backend.config.id });
    }
  }
  return [...listed.values()];
}

function modelsOf(backend: BackendRoute, upstreamIds: readonly string[]): string[] {
  const { models, modelAliases } = backend.config;
  const aliased = new Set(Object.values(modelAliases));
  return [
    ...models.filter((model) => !model.includes('*')),
    ...Object.keys(modelAliases),
    ...upstreamIds.filter((id) => !aliased.has(id) && backend.serves(id)),
  ];
}

/** The backends of `scope` whose listing the upstream must supply. */
export function upstreamListed(table: RouteTable, scope: KindScope): BackendConfig[] {
  return table.backends.filter((backend) => servesKind(backend, scope) && listsUpstream(backend.config)).map((backend) => backend.config);
}
