import type { FuseboxConfig } from '../config/schema.js';
import type { RouteTable } from '../routing/route-table.js';

/**
 * What a config reload swaps under running requests: the config, the route table and the
 * upstream transport (secrets, pools, guards). Everything reads them through the live
 * handles below, which always delegate to the newest generation:
 * - a request in flight keeps the route and the upstream reply it already has (its body
 *   keeps streaming from the old transport); its next attempt, if any, plans on the new table;
 * - a replaced transport stays open, because replies from it may still be streaming, and is
 *   closed with the gateway (its idle connections time out on their own before that).
 * `apply` is synchronous: together with the actor reconcile done in the same tick, no request
 * ever plans on a table that names actors which do not exist.
 */
export interface Closable {
  close(): Promise<void>;
}

export interface RoutingGeneration<T extends Closable> {
  readonly table: RouteTable;
  readonly transport: T;
}

export interface LiveRouting<T extends Closable> {
  readonly config: FuseboxConfig;
  readonly table: RouteTable;
  readonly transport: T;
  apply(config: FuseboxConfig): void;
}

export function createLiveRouting<T extends Closable>(
  config: FuseboxConfig,
  build: (config: FuseboxConfig) => RoutingGeneration<T>,
): LiveRouting<T> {
  let current = { config, ...build(config) };
  const retired: T[] = [];
  const transport = delegate<T>(() => current.transport, {
    close: async () => {
      await Promise.all([current.transport, ...retired.splice(0)].map((t) => t.close()));
    },
  });
  return {
    get config() {
      return current.config;
    },
    table: delegate<RouteTable>(() => current.table),
    transport,
    apply(next) {
      const generation = build(next);
      retired.push(current.transport);
      current = { config: next, ...generation };
    },
  };
}

/**
 * An object that forwards every property read to `target()` at the time of the read. A method
 * read comes back bound to the current generation; the bound function is made once per
 * (generation, method) and reused, not on every read.
 */
function delegate<T extends object>(target: () => T, overrides: Record<string, unknown> = {}): T {
  let boundFor: object | null = null;
  let bound = new Map<PropertyKey, { method: unknown; fn: unknown }>();
  return new Proxy({} as T, {
    get(_shell, key) {
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(overrides, key)) return overrides[key];
      const object = target();
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== 'function') return value;
      if (boundFor !== object) {
        boundFor = object;
        bound = new Map();
      }
      const known = bound.get(key);
      if (known !== undefined && known.method === value) return known.fn;
      const fn = (value as (...args: unknown[]) => unknown).bind(object);
      bound.set(key, { method: value, fn });
      return fn;
    },
    has: (_shell, key) => Reflect.has(target(), key),
  });
}
