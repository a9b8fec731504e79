import { isDeepStrictEqual } from 'node:util';
import type { BreakerInput } from '../machines/breaker.js';

/**
 * What a config reload does to the actor fleet, decided purely from the old and the new
 * layout: actors whose input is unchanged keep everything; new ids are spawned; ids no
 * longer configured are stopped; an actor whose input changed (breaker policy, credential
 * list, quotas) is updated in place by a `config.changed` event, keeping what it learned.
 */
export interface FleetDiff {
  /** Ids to spawn, in layout order. */
  readonly add: readonly BreakerInput[];
  /** Ids to stop. */
  readonly remove: readonly string[];
  /** Actors whose configuration changed: they get their new input as an event. */
  readonly update: readonly BreakerInput[];
  readonly kept: readonly string[];
}

export interface ReconcileReport {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly updated: readonly string[];
  readonly kept: readonly string[];
}

export function diffLayout(current: readonly BreakerInput[], next: readonly BreakerInput[]): FleetDiff {
  const before = new Map(current.map((input) => [input.id, input]));
  const nextIds = new Set(next.map((input) => input.id));
  const add: BreakerInput[] = [];
  const update: BreakerInput[] = [];
  const kept: string[] = [];
  for (const input of next) {
    const old = before.get(input.id);
    if (!old) add.push(input);
    else if (isDeepStrictEqual(plain(old), plain(input))) kept.push(input.id);
    else update.push(input);
  }
  const remove = [...before.keys()].filter((id) => !nextIds.has(id));
  return { add, remove, update, kept };
}

export function reportOf(diff: FleetDiff): ReconcileReport {
  return {
    added: diff.add.map((input) => input.id),
    removed: diff.remove,
    updated: diff.update.map((input) => input.id),
    kept: diff.kept,
  };
}

/** Frozen config objects and fresh ones compare equal once reduced to plain JSON data. */
function plain(input: BreakerInput): unknown {
  return JSON.parse(JSON.stringify(input));
}
