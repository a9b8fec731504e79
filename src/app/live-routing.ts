import type { FuseboxConfig } from '../config/schema.js';
import type { RoutingGeneration } from '../routing/generation.js';
import { withdrawnBackends, type Generation } from './generation.js';

/**
 * The one reload mechanism: the current config generation, swapped whole by `apply`.
 *
 * - A request takes the current generation once, at admission, and holds it (`hold`) until it
 *   has ended (`release`); so does each health probe (`using`). The server builds a job and
 *   submits it in one synchronous stretch, so a generation is never closed between the
 *   admission that reads it and the `hold` that follows.
 * - `apply` is synchronous: together with the actor reconcile done in the same tick, no
 *   request admitted afterwards plans on a table that names actors which do not exist. The
 *   backends a reload removed or changed are withdrawn from every older generation still held.
 * - A retired generation's transport (its undici pools) is closed as soon as nothing holds
 *   it: at once when no request uses it, else when its last request ends. `close` closes
 *   whatever is left and waits for every close.
 */
export interface LiveRouting {
  /** The generation the next request is admitted with. */
  readonly current: Generation;
  /** `generation` is in use by one more request until the matching `release`. */
  hold(generation: RoutingGeneration): void;
  release(generation: RoutingGeneration): void;
  /** Runs `use` on the current generation, held until the returned promise settles. */
  using<R>(use: (generation: Generation) => Promise<R>): Promise<R>;
  /** Builds the generation of `config` and makes it current; returns it. */
  apply(config: FuseboxConfig): Generation;
  close(): Promise<void>;
}

export type BuildGeneration = (config: FuseboxConfig, previous: Generation | null) => Generation;

export function createLiveRouting(config: FuseboxConfig, build: BuildGeneration, onCloseError: (error: unknown) => void): LiveRouting {
  let current = build(config, null);
  /** Every generation whose transport is open, with the number of its holders. */
  const open = new Map<RoutingGeneration, { readonly generation: Generation; holds: number }>([[current, { generation: current, holds: 0 }]]);
  const closing = new Set<Promise<void>>();

  function retire(generation: Generation): void {
    open.delete(generation);
    const closed = generation.transport.close().catch(onCloseError);
    closing.add(closed);
    void closed.finally(() => closing.delete(closed));
  }

  function hold(generation: RoutingGeneration): void {
    const entry = open.get(generation);
    if (!entry) throw new Error('a generation that is already closed cannot be held');
    entry.holds += 1;
  }

  function release(generation: RoutingGeneration): void {
    const entry = open.get(generation);
    if (!entry) return;
    entry.holds -= 1;
    if (entry.holds === 0 && entry.generation !== current) retire(entry.generation);
  }

  return {
    get current() {
      return current;
    },
    hold,
    release,
    async using(use) {
      const generation = current;
      hold(generation);
      try {
        return await use(generation);
      } finally {
        release(generation);
      }
    },
    apply(next) {
      const previous = current;
      current = build(next, previous);
      open.set(current, { generation: current, holds: 0 });
      for (const { generation } of open.values()) {
        if (generation !== current) for (const id of withdrawnBackends(generation, current)) generation.withdrawn.add(id);
      }
      if (open.get(previous)!.holds === 0) retire(previous);
      return current;
    },
    async close() {
      for (const { generation } of [...open.values()]) retire(generation);
      await Promise.all([...closing]);
    },
  };
}
