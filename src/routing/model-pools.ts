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
  readonly exactMap: ReadonlyMap<string, string>;
  readonly globMap: readonly { matches: ModelMatcher; to: string }[];
}

export function buildModelPools(config: FuseboxConfig): ModelPools {
  const entries = new Map<string, Entry>();
  for (const [name, pool] of Object.entries(config.modelPools ?? {})) {
    const mapping = Object.entries(pool.mapModels ?? {});
    entries.set(name, {
      name,
      matches: modelMatcher(pool.match),
      fallback: pool.fallback,
      exactMap: new Map(mapping.filter(([from]) => !from.includes('*'))),
      globMap: mapping.filter(([from]) => from.includes('*')).map(([from, to]) => ({ matches: modelMatcher([from]), to })),
    });
  }
  return {
    names: modelPoolNames(config),
    poolOf(model) {
      for (const entry of entries.values()) if (entry.matches(model)) return entry.name;
      return DEFAULT_POOL;
    },
    fallbackOf: (pool) => entries.get(pool)?.fallback,
    mapModel(pool, model) {
      const entry = entries.get(pool);
      if (!entry) return model;
      return entry.exactMap.get(model) ?? entry.globMap.find((m) => m.matches(model))?.to ?? model;
    },
  };
}

/**
 * The pools to try for a model, in order: its own pool, then each fallback in turn with the
 * model mapped at every step. A cycle ends the chain; each pool appears at most once.
 */
export function poolChain(pools: ModelPools, model: string): PoolStep[] {
  const first = pools.poolOf(model);
  const steps: PoolStep[] = [{ pool: first, model }];
  const seen = new Set([first]);
  let current = steps[0]!;
  for (let next = pools.fallbackOf(first); next !== undefined && !seen.has(next); next = pools.fallbackOf(next)) {
    seen.add(next);
    current = { pool: next, model: pools.mapModel(current.pool, current.model), fallback: `${first}->${next}` };
    steps.push(current);
  }
  return steps;
}
