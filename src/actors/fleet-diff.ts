import { isDeepStrictEqual } from 'node:util';
import type { BreakerInput } from '../machines/breaker.js';

/**
 * What a config reload does to the actor fleet, decided purely from the old and the new
 * layout: actors whose input is unchanged keep their state; new ids are spawned; ids no
 * longer configured are stopped; an actor whose input changed (breaker policy, credential
 * list, quotas) is replaced by a fresh one.
 */
export interface FleetDiff {
  /** Ids to spawn (new ones and replaced ones), in layout order. */
  readonly add: readonly BreakerInput[];
  /** Ids to stop (gone ones and replaced ones). */
  readonly remove: readonly string[];
  readonly kept: readonly string[];
}

export interface ReconcileReport {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly replaced: readonly string[];
  readonly kept: readonly string[];
}

export function diffLayout(current: readonly BreakerInput[], next: readonly BreakerInput[]): FleetDiff {
  const before = new Map(current.map((input) => [input.id, input]));
  const nextIds = new Set(next.map((input) => input.id));
  const add: BreakerInput[] = [];
  const remove: string[] = [];
  const kept: string[] = [];
  for (const input of next) {
    const old = before.get(input.id);
    if (old && isDeepStrictEqual(plain(old), plain(input))) {
      kept.push(input.id);
      continue;
    }
    if (old) remove.push(input.id);
    add.push(input);
  }
  for (const id of before.keys()) if (!nextIds.has(id)) remove.push(id);
  return { add, remove, kept };
}

export function reportOf(diff: FleetDiff, current: readonly BreakerInput[]): ReconcileReport {
  const existed = new Set(current.map((input) => input.id));
  const addedIds = new Set(diff.add.map((input) => input.id));
  return {
    added: diff.add.filter((input) => !existed.has(input.id)).map((input) => input.id),
    removed: diff.remove.filter((id) => !addedIds.has(id)),
    replaced: diff.add.filter((input) => existed.has(input.id)).map((input) => input.id),
    kept: diff.kept,
  };
}

/** Frozen config objects and fresh ones compare equal once reduced to plain JSON data. */
function plain(input: BreakerInput): unknown {
  return JSON.parse(JSON.stringify(input));
}
