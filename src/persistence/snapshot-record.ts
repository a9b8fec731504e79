import { z } from 'zod';
import type { BreakerContext, BreakerValue, CredentialState } from '../machines/types.js';
import { toChunks } from '../machines/credential-chunks.js';
import { RECHECK_DEFAULTS } from '../machines/credentials.js';

/**
 * The value stored under each actor's key: the actor's persisted XState snapshot plus the
 * schema version it was written with. `decodeRecord` is the one gate every stored value
 * passes on its way back in: it parses, migrates older schemas and validates the fields
 * restore depends on; anything else is reported as a reason to discard, never thrown.
 */
export const SCHEMA_VERSION = 4;

export interface StoredActor {
  readonly schema: number;
  /** Wall-clock time of the write. */
  readonly savedAt: number;
  /** What the actor stood for when written (a BaseURL's URL), so a reordered config is noticed. */
  readonly identity?: string;
  /** `actor.getPersistedSnapshot()` of a breaker actor. */
  readonly snapshot: { readonly value: BreakerValue; readonly context: BreakerContext } & Record<string, unknown>;
}

const time = z.number().nullable();
const health = z.looseObject({
  recent: z.array(z.boolean()),
  consecutiveFailures: z.number().int().min(0),
  lastSuccessAt: time,
  lastFailureAt: time,
  latencyMs: time,
  lastErrors: z.array(z.string()),
});
const credential = z.looseObject({
  id: z.string(),
  health,
  cooldownUntil: time,
  cooldownStreak: z.number().int().min(0),
  disabled: z.string().nullable(),
  disabledUntil: time,
  disabledStreak: z.number().int().min(0),
  refusedBy: z.array(z.looseObject({ baseUrlIndex: z.number().int().min(0), until: z.number() })),
  quota: z.looseObject({ limit: z.number(), periodMs: z.number(), windowStart: z.number(), used: z.number() }).nullable(),
  upstreamQuota: z.looseObject({ remaining: z.number(), limit: z.number(), at: z.number() }).nullable(),
});
const state = z.enum(['closed', 'open', 'half_open', 'isolated']);
const context = z.looseObject({
  id: z.string(),
  policy: z.looseObject({ failureThreshold: z.number(), recoveryMs: z.number(), halfOpenProbes: z.number() }),
  openUntil: time,
  probesInFlight: z.number().int().min(0),
  health,
  credentialChunks: z.array(z.array(credential)),
  credentialSlots: z.record(z.string(), z.number().int().min(0)),
  lastTransition: z.looseObject({ at: z.number(), from: state, to: state, reason: z.string() }).nullable(),
  isolated: z.boolean(),
});
const recordSchema = z.looseObject({
  schema: z.literal(SCHEMA_VERSION),
  savedAt: z.number(),
  identity: z.string().optional(),
  snapshot: z.looseObject({ status: z.literal('active'), value: state, context }),
});

/**
 * Migrations from older schemas, keyed by the version they upgrade from. A record whose schema
 * has no migration path (schema 0, before versioning) is discarded with a warning.
 */
const MIGRATIONS: Readonly<Record<number, (old: Record<string, unknown>) => Record<string, unknown>>> = {
  1: (old) => ({ ...old, schema: 2, snapshot: withContext(old.snapshot, upgradeCredentials) }),
  2: (old) => ({ ...old, schema: 3, snapshot: isolationAsState(old.snapshot) }),
  3: (old) => ({ ...old, schema: 4, snapshot: withContext(old.snapshot, (c) => withRefusalFields(c, savedAtOf(old))) }),
};

function savedAtOf(record: Record<string, unknown>): number {
  return typeof record.savedAt === 'number' ? record.savedAt : 0;
}

type RawSnapshot = { value?: unknown; context?: Record<string, unknown> } & Record<string, unknown>;

function withContext(snapshot: unknown, upgrade: (context: Record<string, unknown>) => Record<string, unknown>): unknown {
  const raw = snapshot as RawSnapshot | undefined;
  if (!raw?.context) return snapshot;
  const context = upgrade(raw.context);
  return context === raw.context ? snapshot : { ...raw, context };
}

/**
 * A breaker snapshot of any earlier shape (a stored record's, or an event-log header's) in
 * today's shape, with the same meaning. Snapshots already in today's shape pass as they are.
 */
export function upgradeSnapshot(snapshot: unknown): unknown {
  return isolationAsState(withContext(snapshot, (context) => withRefusalFields(upgradeCredentials(context), 0)));
}

/**
 * Schema 3 (and older) had no re-check schedule: a disabled credential stayed disabled until a
 * reset. Each credential gains the schedule's fields; one disabled then is re-checked the
 * default first step (RECHECK_DEFAULTS.afterMs) after `at` (when the record was written).
 * Credentials already carrying the fields pass as they are.
 */
export function withRefusalFields<T extends Record<string, unknown>>(context: T, at: number): T {
  const chunks = context.credentialChunks;
  if (!Array.isArray(chunks)) return context;
  const lists = chunks.filter((chunk): chunk is Record<string, unknown>[] => Array.isArray(chunk));
  if (lists.every((chunk) => chunk.every((credential) => 'refusedBy' in credential))) return context;
  const upgrade = (credential: Record<string, unknown>) => {
    if ('refusedBy' in credential) return credential;
    const disabledUntil = credential.disabled === null || credential.disabled === undefined ? null : at + RECHECK_DEFAULTS.afterMs;
    return { ...credential, disabledUntil, disabledStreak: 0, refusedBy: [] };
  };
  return { ...context, credentialChunks: lists.map((chunk) => chunk.map(upgrade)) };
}

/**
 * Schema 2 (and event logs of format 1) held an isolated breaker in `open` with the context
 * flag `isolated: true` and no deadline; today isolation is the state `isolated`. An `open`
 * snapshot without a deadline that was not isolated could probe at once: it gets a deadline
 * already passed (when it opened), which means the same.
 */
function isolationAsState(snapshot: unknown): unknown {
  const raw = snapshot as RawSnapshot | undefined;
  const context = raw?.context;
  if (!raw || !context || raw.value !== 'open') return snapshot;
  const last = context.lastTransition as { at?: number; to?: string; reason?: string } | null | undefined;
  if (context.isolated !== true) {
    return context.openUntil === null ? { ...raw, context: { ...context, openUntil: last?.at ?? 0 } } : snapshot;
  }
  const lastTransition = last && last.reason === 'isolated by operator' ? { ...last, to: 'isolated' } : last;
  return { ...raw, value: 'isolated', context: { ...context, openUntil: null, lastTransition } };
}

/**
 * Schema 1 (and event logs written before schema 2) kept a pool's credentials as an object
 * keyed by id (`credentials`); today a context keeps them in chunks (`credentialChunks`) with
 * each id's slot. Contexts already in today's shape pass as they are.
 */
export function upgradeCredentials<T extends Record<string, unknown>>(context: T): T {
  const { credentials, ...rest } = context as Record<string, unknown>;
  if (credentials === null || typeof credentials !== 'object' || Array.isArray(credentials)) return context;
  const list = Object.values(credentials as Record<string, CredentialState>);
  const credentialSlots = Object.fromEntries(list.map((credential, slot) => [credential.id, slot]));
  return { ...rest, credentialChunks: toChunks(list), credentialSlots } as unknown as T;
}

export type Decoded = { readonly ok: true; readonly record: StoredActor } | { readonly ok: false; readonly reason: string };

export function decodeRecord(text: string): Decoded {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null) return { ok: false, reason: 'not an object' };
  // A record without a schema field predates versioning: schema 0.
  let value: Record<string, unknown> = { schema: 0, ...(raw as Record<string, unknown>) };
  while (typeof value.schema === 'number' && value.schema < SCHEMA_VERSION) {
    const migrate = MIGRATIONS[value.schema];
    if (!migrate) return { ok: false, reason: `schema ${value.schema} is older than ${SCHEMA_VERSION} and cannot be migrated` };
    value = migrate(value);
  }
  if (typeof value.schema === 'number' && value.schema > SCHEMA_VERSION) {
    return { ok: false, reason: `schema ${value.schema} is newer than this fusebox understands (${SCHEMA_VERSION})` };
  }
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}` };
  }
  return { ok: true, record: parsed.data as unknown as StoredActor };
}

export function encodeRecord(snapshot: unknown, savedAt: number, identity?: string): string {
  return encodeRecordJson(JSON.stringify(snapshot), savedAt, identity);
}

/** `encodeRecord` for a snapshot already serialized (the persister has it as JSON). */
export function encodeRecordJson(snapshotJson: string, savedAt: number, identity?: string): string {
  const head = JSON.stringify({ schema: SCHEMA_VERSION, savedAt, ...(identity === undefined ? {} : { identity }) });
  return `${head.slice(0, -1)},"snapshot":${snapshotJson}}`;
}
