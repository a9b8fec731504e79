import { credentialSucceededAll } from './credentials.js';
import type { CallSuccess, CredentialChunks, CredentialState } from './types.js';

export type { CredentialChunks } from './types.js';

/**
 * A pool's credentials, stored in fixed-size chunks so that updating one credential copies one
 * chunk and the short list of chunks (about 64 + n/64 pointers), not the whole pool: an event
 * costs the same with ten keys or ten thousand. Plain arrays (CredentialChunks), so snapshots
 * stay JSON.
 */
export const CHUNK_SIZE = 64;

export function toChunks(credentials: readonly CredentialState[]): CredentialChunks {
  const chunks: CredentialState[][] = [];
  for (let start = 0; start < credentials.length; start += CHUNK_SIZE) {
    chunks.push(credentials.slice(start, start + CHUNK_SIZE));
  }
  return chunks;
}

export function fromChunks(chunks: CredentialChunks): readonly CredentialState[] {
  return chunks.length === 1 ? chunks[0]! : chunks.flat();
}

export function chunkedCount(chunks: CredentialChunks): number {
  if (chunks.length === 0) return 0;
  return (chunks.length - 1) * CHUNK_SIZE + chunks[chunks.length - 1]!.length;
}

export function atSlot(chunks: CredentialChunks, slot: number): CredentialState | undefined {
  return chunks[Math.floor(slot / CHUNK_SIZE)]?.[slot % CHUNK_SIZE];
}

export function replaceSlot(chunks: CredentialChunks, slot: number, credential: CredentialState): CredentialChunks {
  const index = Math.floor(slot / CHUNK_SIZE);
  const chunk = chunks[index];
  if (!chunk) return chunks;
  const nextChunk = chunk.slice();
  nextChunk[slot % CHUNK_SIZE] = credential;
  const next = chunks.slice();
  next[index] = nextChunk;
  return next;
}

/** Several slots replaced at once: each touched chunk is copied once. */
export function replaceSlots(chunks: CredentialChunks, updates: ReadonlyMap<number, CredentialState>): CredentialChunks {
  if (updates.size === 0) return chunks;
  const next = chunks.slice();
  const copied = new Set<number>();
  for (const [slot, credential] of updates) {
    const index = Math.floor(slot / CHUNK_SIZE);
    if (!next[index]) continue;
    if (!copied.has(index)) {
      next[index] = next[index].slice();
      copied.add(index);
    }
    (next[index] as CredentialState[])[slot % CHUNK_SIZE] = credential;
  }
  return next;
}

/** The part of a pool's context that holds its credentials (see BreakerContext). */
export interface CredentialTable {
  readonly credentialChunks: CredentialChunks;
  /** Position (slot) of each credential id in layout order. */
  readonly credentialSlots: Readonly<Record<string, number>>;
}

/** id → position, for O(1) lookups in pools of thousands of credentials. */
export function credentialSlots(credentials: readonly CredentialState[]): Record<string, number> {
  const slots: Record<string, number> = {};
  credentials.forEach((credential, index) => (slots[credential.id] = index));
  return slots;
}

export function credentialOf(table: CredentialTable, id: string): CredentialState | undefined {
  const slot = table.credentialSlots[id];
  return slot === undefined ? undefined : atSlot(table.credentialChunks, slot);
}

/** Every credential of a pool in layout order (a copy for pools over one chunk: not per request). */
export function credentialList(table: CredentialTable): readonly CredentialState[] {
  return fromChunks(table.credentialChunks);
}

export function credentialCount(table: CredentialTable): number {
  return chunkedCount(table.credentialChunks);
}

export function credentialAt(table: CredentialTable, slot: number): CredentialState | undefined {
  return atSlot(table.credentialChunks, slot);
}

/** The chunks with one credential updated (one chunk copied, not the pool). */
export function withCredential(
  table: CredentialTable,
  id: string | undefined,
  update: (credential: CredentialState) => CredentialState,
): CredentialChunks {
  const slot = id === undefined ? undefined : table.credentialSlots[id];
  const credential = slot === undefined ? undefined : atSlot(table.credentialChunks, slot);
  if (slot === undefined || !credential) return table.credentialChunks;
  return replaceSlot(table.credentialChunks, slot, update(credential));
}

/** Each credential named in `calls`, after its own successes (in order), by slot. */
export function succeededBySlot(table: CredentialTable, calls: readonly CallSuccess[]): Map<number, CredentialState> {
  const bySlot = new Map<number, CallSuccess[]>();
  for (const call of calls) {
    const slot = call.credentialId === undefined ? undefined : table.credentialSlots[call.credentialId];
    if (slot === undefined) continue;
    const list = bySlot.get(slot);
    if (list) list.push(call);
    else bySlot.set(slot, [call]);
  }
  const after = new Map<number, CredentialState>();
  for (const [slot, list] of bySlot) {
    const credential = atSlot(table.credentialChunks, slot);
    if (credential) after.set(slot, credentialSucceededAll(credential, list));
  }
  return after;
}
