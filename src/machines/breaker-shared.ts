import { credentialList, withCredential } from './credential-chunks.js';
import { transition } from './breaker-updates.js';
import type { BreakerContext, BreakerValue, CredentialState, EventOf, SharedBreaker, SharedCredential } from './types.js';

export type { SharedBreaker, SharedCredential } from './types.js';

/**
 * The part of a breaker actor that the instances of a cluster share (see docs/cluster.md):
 * the breaker's state and deadline, and each credential's cooldown and disabled flag. Health
 * statistics are not shared. Pure.
 *
 * A half-open breaker that still carries its deadline (`openUntil`) reads as `open`: it went
 * half-open because that deadline passed, which every instance sees for itself. Only a
 * half-open without a deadline (released by an operator) is shared as `half_open`.
 */
/** The machine's state value, read from context: `isolated`, else the last transition's target (none: closed). */
export function valueOf(context: BreakerContext): BreakerValue {
  return context.isolated ? 'isolated' : (context.lastTransition?.to ?? 'closed');
}

export function sharedBreakerOf(context: BreakerContext): SharedBreaker {
  const value = valueOf(context);
  const mode = value === 'half_open' && context.openUntil !== null ? 'open' : value;
  return {
    mode,
    openUntil: mode === 'open' ? context.openUntil : null,
    openStreak: context.openStreak,
    closedAt: context.closedAt,
    reason: context.lastTransition?.reason ?? 'fresh',
  };
}

/** Equal in what routing reads (the reason is an explanation, not state). */
export function sameBreaker(a: SharedBreaker, b: SharedBreaker): boolean {
  return a.mode === b.mode && a.openUntil === b.openUntil && a.openStreak === b.openStreak && a.closedAt === b.closedAt;
}

export function sharedCredentialOf(credential: CredentialState): SharedCredential {
  const { id, cooldownUntil, cooldownStreak, disabled, disabledUntil, disabledStreak, refusedBy } = credential;
  return { id, cooldownUntil, cooldownStreak, disabled, disabledUntil, disabledStreak, refusedBy };
}

/** Equal in what keeps traffic off a credential (the streaks only size the next rest). */
export function sameCredential(a: SharedCredential, b: SharedCredential): boolean {
  return (
    a.cooldownUntil === b.cooldownUntil &&
    a.disabled === b.disabled &&
    a.disabledUntil === b.disabledUntil &&
    a.refusedBy.length === b.refusedBy.length &&
    a.refusedBy.every((pair, i) => pair.baseUrlIndex === b.refusedBy[i]!.baseUrlIndex && pair.until === b.refusedBy[i]!.until)
  );
}

/** Whether `event` moves the breaker to `mode` (it names a breaker in another mode, or another deadline). */
export function syncsTo(context: BreakerContext, event: EventOf<'cluster.synced'>, mode: BreakerValue): boolean {
  const shared = event.breaker;
  if (!shared || shared.mode !== mode) return false;
  return !sameBreaker(sharedBreakerOf(context), shared);
}

/** The context after adopting another instance's shared state (a breaker moving mode, credentials). */
export function adoptShared(context: BreakerContext, event: EventOf<'cluster.synced'>): Partial<BreakerContext> {
  let credentialChunks = context.credentialChunks;
  for (const shared of event.credentials ?? []) {
    credentialChunks = withCredential({ credentialChunks, credentialSlots: context.credentialSlots }, shared.id, (c) => ({
      ...c,
      // Only the shared fields, whatever else another instance's entry carries.
      ...sharedCredentialOf({ ...c, ...shared }),
      id: c.id,
    }));
  }
  const shared = event.breaker;
  if (!shared || sameBreaker(sharedBreakerOf(context), shared)) return { credentialChunks };
  const from = valueOf(context);
  const moved = from !== shared.mode;
  return {
    credentialChunks,
    openUntil: shared.openUntil,
    openStreak: shared.openStreak,
    closedAt: shared.closedAt,
    ...(moved ? { probesInFlight: 0, lastTransition: transition(event.at, from, shared.mode, `${shared.reason} (cluster)`) } : {}),
    ...(shared.mode === 'closed' && from !== 'closed' ? { calls: [] } : {}),
  };
}

/** Every credential's shared part, for a sync that names them all (an operator reset, a catch-up). */
export function sharedCredentials(context: BreakerContext): SharedCredential[] {
  return credentialList(context).map(sharedCredentialOf);
}
