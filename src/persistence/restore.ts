import { createActor } from 'xstate';
import type { FuseboxConfig } from '../config/schema.js';
import { breakerMachine, credentialList, credentialSlots, type BreakerContext, type BreakerInput, type BreakerValue } from '../machines/breaker.js';
import { openDurationMs } from '../machines/breaker-policy.js';
import { carryOver } from '../machines/credentials.js';
import { toChunks } from '../machines/credential-chunks.js';
import { baseUrlActorId } from '../actors/layout.js';
import type { StoredActor } from './snapshot-record.js';

/**
 * Restore at boot: what the snapshot store remembers, fitted to the config of this run.
 * Pure (time is an argument). (A config reload of a running fleet is fleet-diff.ts's job.)
 *
 * - An actor in the layout with a stored record gets its stored state and context, with the
 *   config's policy, role and credential list applied: new credentials start fresh, removed
 *   ones are dropped, quota limits follow the config while the usage count is kept. Context
 *   fields the record lacks (written by an older fusebox) take their fresh values.
 * - An open breaker keeps its deadline exactly; if that deadline was set by the failure
 *   policy (threshold or rate rule, not a trip) and the policy changed, it moves to
 *   `opened at + the new policy's open time`. If the
 *   deadline has passed by `now`, the breaker comes back half_open (as of the deadline).
 * - An isolated breaker stays isolated (no deadline applies to it).
 * - Probes in flight died with the previous process: their permits are returned.
 * - A record whose identity (a BaseURL's URL) differs from the config's is not reused.
 * - Records of actors no longer in the layout are listed in `dropped`.
 */
export interface RestoredView {
  /** The machine's state value (`isolated` included), not the traffic state. */
  readonly value: BreakerValue;
  readonly context: BreakerContext;
}

export interface RestorePlan {
  readonly restored: ReadonlyMap<string, RestoredView>;
  readonly fresh: readonly string[];
  readonly dropped: readonly string[];
}

export function planRestore(
  layout: readonly BreakerInput[],
  records: ReadonlyMap<string, StoredActor>,
  now: number,
  identities: ReadonlyMap<string, string> = new Map(),
): RestorePlan {
  const restored = new Map<string, RestoredView>();
  const fresh: string[] = [];
  for (const input of layout) {
    const record = records.get(input.id);
    const identity = identities.get(input.id);
    const sameIdentity = record?.identity === undefined || identity === undefined || record.identity === identity;
    if (record && sameIdentity) restored.set(input.id, restoreActor(input, record, now));
    else fresh.push(input.id);
  }
  const wanted = new Set(layout.map((input) => input.id));
  const dropped = [...records.keys()].filter((id) => !wanted.has(id));
  return { restored, fresh, dropped };
}

/** What each actor stands for beyond its id: a BaseURL's URL (its id is only an index). */
export function actorIdentities(config: FuseboxConfig): Map<string, string> {
  const identities = new Map<string, string>();
  for (const backend of config.backends) {
    backend.baseUrls.forEach((url, index) => identities.set(baseUrlActorId(backend.id, index), url));
  }
  return identities;
}

export function freshContext(input: BreakerInput): BreakerContext {
  return createActor(breakerMachine, { input }).getSnapshot().context;
}

function restoreActor(input: BreakerInput, record: StoredActor, now: number): RestoredView {
  const stored = record.snapshot.context;
  const initial = freshContext(input);
  const credentials = carryOver(credentialList(initial), credentialList(stored));
  const context: BreakerContext = {
    ...initial,
    ...stored,
    id: input.id,
    role: input.role,
    policy: input.policy,
    probesInFlight: 0,
    isolated: record.snapshot.value === 'isolated',
    credentialChunks: toChunks(credentials),
    credentialSlots: credentialSlots(credentials),
    openUntil: adjustedDeadline(record.snapshot.value, stored, input.policy),
  };
  return passDeadline(record.snapshot.value, context, now);
}

/** A deadline the policy computed (not a trip's) follows a changed policy; others stay. */
function adjustedDeadline(value: BreakerValue, stored: BreakerContext, policy: BreakerInput['policy']): number | null {
  const { openUntil, lastTransition } = stored;
  if (value !== 'open' || openUntil === null || lastTransition?.to !== 'open') return openUntil;
  const streak = stored.openStreak;
  const setByPolicy = openUntil === lastTransition.at + openDurationMs(stored.policy, streak);
  return setByPolicy ? lastTransition.at + openDurationMs(policy, streak) : openUntil;
}

function passDeadline(value: BreakerValue, context: BreakerContext, now: number): RestoredView {
  if (value !== 'open' || context.openUntil === null || context.openUntil > now) {
    return { value, context };
  }
  const at = context.openUntil;
  return {
    value: 'half_open',
    context: {
      ...context,
      lastTransition: { at, from: 'open', to: 'half_open', reason: 'recovery deadline passed while fusebox was stopped' },
    },
  };
}
