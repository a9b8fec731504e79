import { createActorTree, type ActorTree } from '../../../src/actors/actor-tree.js';
import { actorLayout } from '../../../src/actors/layout.js';
import { parseConfig } from '../../../src/config/load.js';
import type { ConfigInput, FuseboxConfig } from '../../../src/config/schema.js';
import { buildRouteTable, type RouteTable } from '../../../src/routing/route-table.js';

/** A config, its actor tree and its route table, for pure routing tests (no sockets). */
export interface Fleet {
  readonly config: FuseboxConfig;
  readonly tree: ActorTree;
  readonly table: RouteTable;
  readonly read: ActorTree['view'];
}

export function fleet(input: Omit<ConfigInput, 'server'>): Fleet {
  const config = parseConfig(input);
  const tree = createActorTree({ layout: actorLayout(config, 'test-key') });
  return { config, tree, table: buildRouteTable(config), read: (id) => tree.view(id) };
}

/** A backend with `urls` BaseURLs and credentials named `<id>-k1`, `<id>-k2`… */
export function backend(id: string, options: { priority?: number; urls?: number; keys?: number; models?: string[] } = {}) {
  return {
    id,
    priority: options.priority ?? 0,
    ...(options.models ? { models: options.models } : {}),
    baseUrls: Array.from({ length: options.urls ?? 1 }, (_, i) => `http://127.0.0.1:${9000 + i}/v1`),
    credentials: Array.from({ length: options.keys ?? 1 }, (_, i) => ({ id: `${id}-k${i + 1}`, apiKey: `sk-${id}-${i + 1}` })),
  };
}

export const T0 = 1_700_000_000_000;
