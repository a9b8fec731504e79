import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Level } from 'level';
import { decodeRecord, type StoredActor } from './snapshot-record.js';

/**
 * Reading a data directory without changing it, for `fusebox state`. The directory is never
 * created, written or repaired here. LevelDB lets one process open a directory at a time, so
 * when a running fusebox holds it, a copy (without the LOCK file) is read instead: what a
 * running fusebox last flushed, at most ~100 ms old.
 */
export interface StoredState {
  readonly dataDir: string;
  /** The store-level schema version, if recorded. */
  readonly schema: string | null;
  readonly records: ReadonlyMap<string, StoredActor>;
  readonly undecodable: readonly { readonly actor: string; readonly reason: string }[];
  /** True when a running fusebox held the directory and a copy was read. */
  readonly fromCopy: boolean;
}

export class NoDataDirError extends Error {
  constructor(readonly dataDir: string) {
    super(`no fusebox data directory at ${dataDir}`);
    this.name = 'NoDataDirError';
  }
}

export async function readStoredState(dataDir: string): Promise<StoredState> {
  const location = resolve(dataDir);
  if (!existsSync(join(location, 'CURRENT'))) throw new NoDataDirError(location);
  try {
    return { ...(await readAt(location)), dataDir: location, fromCopy: false };
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'LEVEL_LOCKED') throw error;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'fusebox-state-'));
  try {
    const copy = join(scratch, 'db');
    cpSync(location, copy, { recursive: true, filter: (source) => basename(source) !== 'LOCK' });
    return { ...(await readAt(copy)), dataDir: location, fromCopy: true };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function readAt(location: string): Promise<Omit<StoredState, 'dataDir' | 'fromCopy'>> {
  const db = new Level<string, string>(location, { createIfMissing: false, keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  try {
    const actors = db.sublevel('actors', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const meta = db.sublevel('meta', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const records = new Map<string, StoredActor>();
    const undecodable: { actor: string; reason: string }[] = [];
    for await (const [key, value] of actors.iterator()) {
      const decoded = decodeRecord(value);
      if (decoded.ok) records.set(key, decoded.record);
      else undecodable.push({ actor: key, reason: decoded.reason });
    }
    return { schema: (await meta.get('schema')) ?? null, records, undecodable };
  } finally {
    await db.close();
  }
}
