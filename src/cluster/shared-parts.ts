import type { ActorChange, ActorTree } from '../actors/actor-tree.js';
import { credentialAt, credentialList, type BreakerContext } from '../machines/breaker.js';
import {
  sameBreaker,
  sameCredential,
  sharedBreakerOf,
  sharedCredentialOf,
  type SharedBreaker,
  type SharedCredential,
} from '../machines/breaker-shared.js';
import type { BreakerEvent, CredentialState } from '../machines/types.js';
import type { BreakerPart, CredentialPart, Part, WireCredential } from './wire.js';

/**
 * What an instance knows of the shared state, part by part (see wire.ts), and which of an
 * actor's changes are shared changes. Pure apart from the maps it keeps.
 */
export interface KnownParts {
  breaker(actorId: string): BreakerPart | undefined;
  credential(actorId: string, slot: number): CredentialPart | undefined;
  set(part: Part): void;
  all(): Part[];
}

export function knownParts(): KnownParts {
  const breakers = new Map<string, BreakerPart>();
  const credentials = new Map<string, Map<number, CredentialPart>>();
  return {
    breaker: (actorId) => breakers.get(actorId),
    credential: (actorId, slot) => credentials.get(actorId)?.get(slot),
    set(part) {
      if ('breaker' in part) {
        breakers.set(part.actorId, part);
        return;
      }
      let slots = credentials.get(part.actorId);
      if (!slots) credentials.set(part.actorId, (slots = new Map<number, CredentialPart>()));
      slots.set(part.credential.slot, part);
    },
    all: () => [...breakers.values(), ...[...credentials.values()].flatMap((slots) => [...slots.values()])],
  };
}

const FRESH_BREAKER: SharedBreaker = { mode: 'closed', openUntil: null, openStreak: 0, closedAt: null, reason: 'fresh' };

function freshCredential(id: string): SharedCredential {
  return { id, cooldownUntil: null, cooldownStreak: 0, disabled: null, disabledUntil: null, disabledStreak: 0, refusedBy: [] };
}

/** Events that may move a breaker without changing its traffic state (a trip of an open one, an operator's command). */
const BREAKER_EVENTS: ReadonlySet<string> = new Set(['breaker.trip', 'operator.isolate', 'operator.release', 'operator.reset']);

/**
 * The shared parts `change` altered (compared with `known`), each at the event's time. Another
 * instance's change (`cluster.synced`) is never one: it is adopted, not published again.
 */
export function changedParts(change: ActorChange, known: KnownParts): Part[] {
  const { event, actorId } = change;
  if (event.type === 'cluster.synced' || event.type === 'config.changed') return [];
  const context = change.after.context;
  const parts: Part[] = [];
  if (change.from !== change.to || BREAKER_EVENTS.has(event.type)) {
    const breaker = sharedBreakerOf(context);
    if (!sameBreaker(known.breaker(actorId)?.breaker ?? FRESH_BREAKER, breaker)) parts.push({ actorId, at: event.at, breaker });
  }
  for (const slot of touchedSlots(event, context, actorId, known)) {
    const credential = credentialAt(context, slot);
    if (!credential) continue;
    const before = known.credential(actorId, slot)?.credential ?? freshCredential(credential.id);
    const after = wireCredential(credential, slot);
    if (!sameCredential(before, after)) parts.push({ actorId, at: event.at, credential: after });
  }
  return parts;
}

/** The slots whose shared part `event` may have changed: the credential it names; all on a reset. */
function touchedSlots(event: BreakerEvent, context: BreakerContext, actorId: string, known: KnownParts): number[] {
  const slotOf = (id: string | undefined) => (id === undefined ? undefined : context.credentialSlots[id]);
  switch (event.type) {
    case 'credential.rate_limited':
    case 'credential.rejected':
    case 'credential.disable':
      return definedSlots([slotOf(event.credentialId)]);
    case 'call.succeeded':
      // A success only clears a rest: a credential with nothing shared has nothing to clear.
      return definedSlots([slotOf(event.credentialId)]).filter((slot) => known.credential(actorId, slot) !== undefined);
    case 'calls.succeeded':
      return [...new Set(definedSlots(event.calls.map((call) => slotOf(call.credentialId))))].filter(
        (slot) => known.credential(actorId, slot) !== undefined,
      );
    case 'operator.reset':
      return credentialList(context).map((_credential, slot) => slot);
    default:
      return [];
  }
}

function definedSlots(slots: readonly (number | undefined)[]): number[] {
  return slots.filter((slot): slot is number => slot !== undefined);
}

export function wireCredential(credential: CredentialState, slot: number): WireCredential {
  return { ...sharedCredentialOf(credential), slot };
}

/** The parts an actor holds that differ from a fresh actor's (what a restored instance knows at start). */
export function restoredParts(tree: ActorTree): Part[] {
  const parts: Part[] = [];
  for (const actorId of tree.ids) {
    const context = tree.peek(actorId).context;
    const at = context.lastTransition?.at ?? 0;
    const breaker = sharedBreakerOf(context);
    if (!sameBreaker(FRESH_BREAKER, breaker)) parts.push({ actorId, at, breaker });
    credentialList(context).forEach((credential, slot) => {
      const shared = wireCredential(credential, slot);
      if (!sameCredential(freshCredential(credential.id), shared)) parts.push({ actorId, at, credential: shared });
    });
  }
  return parts;
}

/** A remote part as this instance names it (its own credential id at that slot), or null when it has no such actor or slot. */
export function localPart(part: Part, tree: ActorTree): Part | null {
  let context: BreakerContext;
  try {
    context = tree.peek(part.actorId).context;
  } catch {
    return null;
  }
  if ('breaker' in part) return part;
  const credential = credentialAt(context, part.credential.slot);
  return credential ? { ...part, credential: { ...part.credential, id: credential.id } } : null;
}
