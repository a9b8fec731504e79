import type { SharedBreaker, SharedCredential } from '../machines/breaker-shared.js';
import type { EventOf } from '../machines/types.js';

/**
 * What fusebox keeps in Redis, under `<keyPrefix>:` (docs/cluster.md):
 * - `events`: a Stream, one entry per shared change an instance made: fields `i` (the
 *   instance), `a` (the actor id) and `e` (the `cluster.synced` event as JSON, its credentials
 *   also carrying their `slot`, their position in the pool, so instances that name
 *   fingerprinted credentials differently still agree);
 * - `state`: a Hash of the latest shared part of each actor, for instances that start later:
 *   `b|<actor>` → {at, breaker} and `c|<actor>|<slot>` → {at, credential};
 * - `layout`: the actor layout (ids, roles, policies, credential ids) for `fusebox replay`;
 * - `permit:<actor>:<n>`: half-open probe permit n of an actor, held by its owner for a lease.
 * Nothing secret is ever written: events name credentials by id and slot only.
 */
export interface ClusterKeys {
  readonly events: string;
  readonly state: string;
  readonly layout: string;
  permit(actorId: string, slot: number): string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    events: `${prefix}:events`,
    state: `${prefix}:state`,
    layout: `${prefix}:layout`,
    permit: (actorId, slot) => `${prefix}:permit:${actorId}:${slot}`,
  };
}

export type WireCredential = SharedCredential & { readonly slot: number };

/** One shared part of one actor, as the state hash keeps it and as it travels. */
export type Part = BreakerPart | CredentialPart;
export interface BreakerPart {
  readonly actorId: string;
  readonly at: number;
  readonly breaker: SharedBreaker;
}
export interface CredentialPart {
  readonly actorId: string;
  readonly at: number;
  readonly credential: WireCredential;
}

export const breakerField = (actorId: string): string => `b|${actorId}`;
export const credentialField = (actorId: string, slot: number): string => `c|${actorId}|${slot}`;
export const fieldOf = (part: Part): string => ('breaker' in part ? breakerField(part.actorId) : credentialField(part.actorId, part.credential.slot));

/** The stream entry's fields for one actor's parts (all of one change, so one `at`). */
export function entryFields(instanceId: string, actorId: string, parts: readonly Part[]): string[] {
  const at = Math.max(...parts.map((part) => part.at));
  const breaker = parts.find((part) => 'breaker' in part);
  const credentials = parts.flatMap((part) => ('credential' in part ? [part.credential] : []));
  const event = { type: 'cluster.synced', at, ...(breaker ? { breaker: breaker.breaker } : {}), ...(credentials.length ? { credentials } : {}) };
  return ['i', instanceId, 'a', actorId, 'e', JSON.stringify(event)];
}

export interface Entry {
  readonly instanceId: string;
  readonly actorId: string;
  readonly event: Omit<EventOf<'cluster.synced'>, 'credentials'> & { readonly credentials?: readonly WireCredential[] };
}

/** A stream entry's fields, or null when they are not fusebox's. */
export function readEntry(fields: readonly string[]): Entry | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const [instanceId, actorId, json] = [map.get('i'), map.get('a'), map.get('e')];
  if (instanceId === undefined || actorId === undefined || json === undefined) return null;
  const event = parseJson(json) as Entry['event'] | null;
  if (event?.type !== 'cluster.synced' || typeof event.at !== 'number') return null;
  if (event.breaker !== undefined && !isBreaker(event.breaker)) return null;
  if (event.credentials !== undefined && !(Array.isArray(event.credentials) && event.credentials.every(isCredential))) return null;
  return { instanceId, actorId, event };
}

/** The parts an entry carries. */
export function partsOf(entry: Entry): Part[] {
  const { actorId, event } = entry;
  const parts: Part[] = event.breaker ? [{ actorId, at: event.at, breaker: event.breaker }] : [];
  for (const credential of event.credentials ?? []) parts.push({ actorId, at: event.at, credential });
  return parts;
}

/** A state hash entry, or null when it is not fusebox's. */
export function readPart(field: string, json: string): Part | null {
  const [kind, actorId] = field.split('|');
  const value = parseJson(json) as { at?: unknown; breaker?: SharedBreaker; credential?: WireCredential } | null;
  if (!actorId || typeof value?.at !== 'number') return null;
  if (kind === 'b' && isBreaker(value.breaker)) return { actorId, at: value.at, breaker: value.breaker };
  if (kind === 'c' && isCredential(value.credential)) return { actorId, at: value.at, credential: value.credential };
  return null;
}

export function partJson(part: Part): string {
  return JSON.stringify('breaker' in part ? { at: part.at, breaker: part.breaker } : { at: part.at, credential: part.credential });
}

const MODES: ReadonlySet<unknown> = new Set(['closed', 'open', 'half_open', 'isolated']);
const timeOrNull = (value: unknown) => value === null || typeof value === 'number';

/** A shared breaker part as fusebox writes it (anything else in Redis is ignored). */
function isBreaker(value: unknown): value is SharedBreaker {
  const b = value as Partial<SharedBreaker> | null;
  return (
    !!b && MODES.has(b.mode) && timeOrNull(b.openUntil) && typeof b.openStreak === 'number' && timeOrNull(b.closedAt) && typeof b.reason === 'string'
  );
}

/** A shared credential part as fusebox writes it. */
function isCredential(value: unknown): value is WireCredential {
  const c = value as Partial<WireCredential> | null;
  return (
    !!c &&
    typeof c.id === 'string' &&
    typeof c.slot === 'number' &&
    timeOrNull(c.cooldownUntil) &&
    typeof c.cooldownStreak === 'number' &&
    (c.disabled === null || typeof c.disabled === 'string') &&
    timeOrNull(c.disabledUntil) &&
    typeof c.disabledStreak === 'number' &&
    Array.isArray(c.refusedBy)
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
