import type { BackendConfig, FuseboxConfig } from '../config/schema.js';
import { DEFAULT_POOL, backendActorId, baseUrlActorId, credentialId, poolActorId } from '../actors/layout.js';
import { modelMatcher, type ModelMatcher } from './model-match.js';
import { buildModelPools, type ModelPools } from './model-pools.js';
import type { KindScope } from './translation-step.js';
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
  /** Its `models` globs, and the client names of its `modelAliases`. */
  readonly serves: ModelMatcher;
  /** The name its upstream is asked for: the `modelAliases` entry of `model`, else `model`. */
  upstreamModel(model: string): string;
  /** Requests of other protocols may be translated for it (`routing.crossProtocol` and `acceptTranslated`). */
  readonly acceptsTranslated: boolean;
  /**
   * Whether one of its (OAuth) credentials is still waiting for an access token: the planner
   * takes such a credential only when no other can serve. Absent for backends of API keys only.
   */
  readonly tokenPending?: (credentialId: string) => boolean;
}

export interface RouteTable {
  readonly backends: readonly BackendRoute[];
  readonly pools: ModelPools;
  /** `routing.crossProtocol`: chat requests may be translated for backends of other kinds. */
  readonly crossProtocol: boolean;
  servesModel(scope: Protocol | KindScope, model: string): boolean;
}

/**
 * Whether a backend serves requests of `scope`: its own kind (the pass-through, decided by one
 * comparison), or a kind the request may be translated to.
 */
export function servesKind(backend: BackendRoute, scope: KindScope): boolean {
  const kind = backend.config.kind;
  return kind === scope.protocol || (backend.acceptsTranslated && scope.translation?.targets.has(kind) === true);
}

function scopeOf(scope: Protocol | KindScope): KindScope {
  return typeof scope === 'string' ? { protocol: scope } : scope;
}

/** `tokenPending(backendId, credentialId)`: an OAuth credential without a live access token (the token manager's view). */
export function buildRouteTable(config: FuseboxConfig, tokenPending?: (backendId: string, credentialId: string) => boolean): RouteTable {
  const pools = buildModelPools(config);
  const backends = config.backends.map((backend) => ({
    ...(tokenPending && backend.credentials.some((c) => c.oauth !== undefined) ? { tokenPending: (id: string) => tokenPending(backend.id, id) } : {}),
    config: backend,
    actorId: backendActorId(backend.id),
    baseUrlActorIds: backend.baseUrls.map((_url, index) => baseUrlActorId(backend.id, index)),
    poolActorId: poolActorId(backend.id, DEFAULT_POOL),
    poolActorIds: new Map(pools.names.map((pool) => [pool, poolActorId(backend.id, pool)])),
    serves: aliasedMatcher(modelMatcher(backend.models), backend.modelAliases),
    upstreamModel: (model: string) => (Object.hasOwn(backend.modelAliases, model) ? backend.modelAliases[model]! : model),
    acceptsTranslated: config.routing.crossProtocol && backend.acceptTranslated,
  }));
  return {
    backends,
    pools,
    crossProtocol: config.routing.crossProtocol,
    servesModel: (scope, model) => backends.some((b) => servesKind(b, scopeOf(scope)) && b.serves(model)),
  };
}

/** A backend serves its aliases' client names whatever its `models` say. */
function aliasedMatcher(matches: ModelMatcher, aliases: Readonly<Record<string, string>>): ModelMatcher {
  return (model) => Object.hasOwn(aliases, model) || matches(model);
}

/** API keys by (backend, credential id), for the HTTP layer only (OAuth credentials have access tokens instead). */
export function credentialSecrets(config: FuseboxConfig, fingerprintKey: string): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const backend of config.backends) {
    for (const credential of backend.credentials) {
      if (credential.apiKey !== undefined) secrets.set(secretKey(backend.id, credentialId(credential, fingerprintKey)), credential.apiKey);
    }
  }
  return secrets;
}

export function secretKey(backendId: string, credentialIdValue: string): string {
  return `${backendId}\u0000${credentialIdValue}`;
}
