import type { BackendConfig, FuseboxConfig } from '../config/schema.js';
import { DEFAULT_POOL, backendActorId, baseUrlActorId, credentialId, poolActorId } from '../actors/layout.js';
import { modelMatcher, type ModelMatcher } from './model-match.js';
import { buildModelPools, type ModelPools } from './model-pools.js';
import type { Protocol } from './types.js';

/** The static half of routing, built once from the config: who serves what, under which ids. */
export interface BackendRoute {
  readonly config: BackendConfig;
  readonly actorId: string;
  readonly baseUrlActorIds: readonly string[];
  /** The `default` model pool's actor. */
  readonly poolActorId: string;
  /** Pool actor id by model-pool name (every configured pool, and `default`). */
  readonly poolActorIds: ReadonlyMap<string, string>;
  readonly serves: ModelMatcher;
}

export interface RouteTable {
  readonly backends: readonly BackendRoute[];
  readonly pools: ModelPools;
  /** Model names configured explicitly (globs excluded), per protocol, for model listings. */
  modelNames(protocol: Protocol): readonly string[];
  servesModel(protocol: Protocol, model: string): boolean;
}

export function buildRouteTable(config: FuseboxConfig): RouteTable {
  const pools = buildModelPools(config);
  const backends = config.backends.map((backend) => ({
    config: backend,
    actorId: backendActorId(backend.id),
    baseUrlActorIds: backend.baseUrls.map((_url, index) => baseUrlActorId(backend.id, index)),
    poolActorId: poolActorId(backend.id, DEFAULT_POOL),
    poolActorIds: new Map(pools.names.map((pool) => [pool, poolActorId(backend.id, pool)])),
    serves: modelMatcher(backend.models),
  }));
  return {
    backends,
    pools,
    modelNames: (protocol) => [
      ...new Set(config.backends.filter((b) => b.kind === protocol).flatMap((b) => b.models.filter((m) => !m.includes('*')))),
    ],
    servesModel: (protocol, model) => backends.some((b) => b.config.kind === protocol && b.serves(model)),
  };
}

/** Secrets by (backend, credential id), for the HTTP layer only. */
export function credentialSecrets(config: FuseboxConfig, fingerprintKey: string): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const backend of config.backends) {
    for (const credential of backend.credentials) {
      secrets.set(secretKey(backend.id, credentialId(credential, fingerprintKey)), credential.apiKey);
    }
  }
  return secrets;
}

export function secretKey(backendId: string, credentialIdValue: string): string {
  return `${backendId}\u0000${credentialIdValue}`;
}
