import { CacheBudget, Memo } from '../shared/bounded-labels.js';
import type { FuseboxConfig } from '../config/schema.js';
import { DEFAULT_POOL, modelPoolNames } from '../actors/layout.js';
import { modelMatcher, type ModelMatcher } from './model-match.js';

/**
 * Model pools: which pool a model belongs to (the first configured pool whose globs match it,
 * else `default`), where a pool falls back to, and which model the fallback is asked for.
 * Built once from the config; pure lookups afterwards.
 */
export interface ModelPools {
  /** Every pool name, `default` last. */
  readonly names: readonly string[];
  poolOf(model: string): string;
  fallbackOf(pool: string): string | undefined;
  /** The model to ask the fallback pool for: `mapModels` (exact names first, then globs), else unchanged. */
  mapModel(pool: string, model: string): string;
  /** Where a pool sends a request that exceeded its model's context (`contextFallback`). */
  contextFallbackOf(pool: string): string | undefined;
  /** The model to ask the context fallback pool for: `contextMapModels`, else unchanged. */
  mapContextModel(pool: string, model: string): string;
}

/** One step of a fallback chain: the pool, the model asked of it, and where it came from. */
export interface PoolStep {
  readonly pool: string;
  readonly model: string;
  /** `from->to` pool names when this step is a fallback; absent for the model's own pool. */
  readonly fallback?: string;
}

interface Entry {
  readonly name: string;
  readonly matches: ModelMatcher;
  readonly fallback: string | undefined;
  readonly map: NameMap;
  readonly contextFallback: string | undefined;
  readonly contextMap: NameMap;
}

interface NameMap {
  readonly exact: ReadonlyMap<string, string>;
  readonly globs: readonly { matches: ModelMatcher; to: string }[];
}

function nameMap(mapping: Readonly<Record<string, string>> | undefined): NameMap {
  const pairs = Object.entries(mapping ?? {});
  return {
    exact: new Map(pairs.filter(([from]) => !from.includes('*'))),
    globs: pairs.filter(([from]) => from.includes('*')).map(([from, to]) => ({ matches: modelMatcher([from]), to })),
  };
}

function mapName(map: NameMap | undefined, model: string): string {
  if (!map) return model;
  return map.exact.get(model) ?? map.globs.find((m) => m.matches(model))?.to ?? model;
}

export function buildModelPools(config: FuseboxConfig): ModelPools {
  const entries = new Map<string, Entry>();
  for (const [name, pool] of Object.entries(config.modelPools)) {
    entries.set(name, {
      name,
      matches: modelMatcher(pool.match),
      fallback: pool.fallback,
      map: nameMap(pool.mapModels),
      contextFallback: pool.contextFallback,
      contextMap: nameMap(pool.contextMapModels),
    });
  }
  return {
    names: modelPoolNames(config),
    poolOf(model) {
      for (const entry of entries.values()) if (entry.matches(model)) return entry.name;
      return DEFAULT_POOL;
    },
    fallbackOf: (pool) => entries.get(pool)?.fallback,
    mapModel: (pool, model) => mapName(entries.get(pool)?.map, model),
    contextFallbackOf: (pool) => entries.get(pool)?.contextFallback,
    mapContextModel: (pool, model) => mapName(entries.get(pool)?.contextMap, model),
  };
}

/**
 * The pools to try for a model, in order: its own pool, then each fallback in turn with the
 * model mapped at every step. A cycle ends the chain; each pool appears at most once.
 */
export function poolChain(pools: ModelPools, model: string): readonly PoolStep[] {
  let chains = CHAINS.get(pools);
  if (chains === undefined) {
    chains = new Memo(new CacheBudget(CHAINS_KEPT), (name: string) =>
      Object.freeze(chainFrom(pools, { pool: pools.poolOf(name), model: name }, pools.poolOf(name))),
    );
    CHAINS.set(pools, chains);
  }
  return chains.get(model);
}

/**
 * Chains made once per model name and pools (a generation's), not per request; at most
 * CHAINS_KEPT names are kept per pools (names are client text), past that a chain is made each time.
 */
const CHAINS_KEPT = 1_000;
const CHAINS = new WeakMap<ModelPools, Memo<string, readonly PoolStep[]>>();

/**
 * The pools to try after a context-length error on `step`: its pool's context fallback (with
 * the model mapped by `contextMapModels`), then that pool's own fallbacks; empty when the pool
 * has none. Every step is labelled a fallback from the request's first pool, `origin`.
 */
export function contextChain(pools: ModelPools, step: PoolStep, origin: string): PoolStep[] {
  const target = pools.contextFallbackOf(step.pool);
  if (target === undefined) return [];
  return chainFrom(pools, { pool: target, model: pools.mapContextModel(step.pool, step.model), fallback: `${origin}->${target}` }, origin);
}

function chainFrom(pools: ModelPools, start: PoolStep, origin: string): PoolStep[] {
  const steps: PoolStep[] = [start];
  const seen = new Set([start.pool]);
  let current = start;
  for (let next = pools.fallbackOf(start.pool); next !== undefined && !seen.has(next); next = pools.fallbackOf(next)) {
    seen.add(next);
    current = { pool: next, model: pools.mapModel(current.pool, current.model), fallback: `${origin}->${next}` };
    steps.push(current);
  }
  return steps;
}
