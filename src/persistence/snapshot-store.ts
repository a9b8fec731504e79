import { randomBytes } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import { Level } from 'level';
import type { Logger } from 'pino';
import { decodeRecord, SCHEMA_VERSION, type StoredActor } from './snapshot-record.js';

/**
 * The snapshot store: one LevelDB under `dataDir` with two sublevels, `actors` (one key per
 * actor id, value = `encodeRecord(...)`) and `meta` (store schema, the credential fingerprint
 * key). Every record is read once at open; afterwards the store only writes, in atomic batches.
 *
 * Faults never crash-loop: a directory locked by another process is a `DataDirLockedError`
 * (the CLI exits 2); a store that cannot be opened or read is renamed to
 * `<dataDir>.corrupt-<time>` with a warning and a fresh one is created; a record that cannot
 * be decoded (bad JSON, unknown schema) is deleted with a warning and its actor starts fresh.
 */
export type StoreDb = Level;

export interface SnapshotStore {
  /** The data directory, or `(memory)` for an injected database. */
  readonly location: string;
  /** The HMAC key that names credentials without an id; stable across restarts. */
  readonly fingerprintKey: string;
  /** Every actor record that decoded cleanly at open, by actor id. */
  readonly records: ReadonlyMap<string, StoredActor>;
  /** One atomic batch: put these encoded records, delete these actor ids. */
  write(puts: ReadonlyMap<string, string>, deletes: readonly string[], sync?: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  readonly logger: Logger;
  readonly now: () => number;
  /** Open LevelDB here (created if missing). */
  readonly dataDir?: string;
  /** Or use this database (tests: memory-level). It is opened if needed and closed by `close`. */
  readonly db?: StoreDb;
}

/** Another process (most likely another fusebox) holds the LevelDB lock on the directory. */
export class DataDirLockedError extends Error {
  readonly code = 'LEVEL_LOCKED';
  constructor(readonly dataDir: string) {
    super(`data directory ${dataDir} is locked by another process (is another fusebox running with the same dataDir?)`);
    this.name = 'DataDirLockedError';
  }
}

/** The store could not be opened even after moving the old one aside (permissions, disk). */
export class DataDirUnusableError extends Error {
  readonly code = 'DATA_DIR_UNUSABLE';
  constructor(
    readonly dataDir: string,
    cause: unknown,
  ) {
    super(`data directory ${dataDir} cannot be used: ${(cause as Error).message}`, { cause });
    this.name = 'DataDirUnusableError';
  }
}

const META_SCHEMA = 'schema';
const META_FINGERPRINT = 'fingerprintKey';

export async function openSnapshotStore(options: StoreOptions): Promise<SnapshotStore> {
  if (options.db) return load(options.db, '(memory)', options);
  if (!options.dataDir) throw new Error('openSnapshotStore needs dataDir or db');
  const dataDir = resolve(options.dataDir);
  try {
    return await load(await openLevel(dataDir), dataDir, options);
  } catch (error) {
    if (error instanceof DataDirLockedError) throw error;
    const aside = moveAside(dataDir, options.now());
    options.logger.warn({ err: error, dataDir, movedTo: aside }, 'snapshot store unreadable: moved aside, starting fresh');
    try {
      return await load(await openLevel(dataDir), dataDir, options);
    } catch (again) {
      if (again instanceof DataDirLockedError) throw again;
      throw new DataDirUnusableError(dataDir, again);
    }
  }
}

async function openLevel(dataDir: string): Promise<StoreDb> {
  const db = new Level<string, string>(dataDir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open();
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'LEVEL_LOCKED') throw new DataDirLockedError(dataDir);
    throw error;
  }
  return db;
}

function moveAside(dataDir: string, now: number): string | null {
  if (!existsSync(dataDir)) return null;
  const aside = `${dataDir}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(dataDir, aside);
  return aside;
}

async function load(db: StoreDb, location: string, options: StoreOptions): Promise<SnapshotStore> {
  try {
    if (db.status !== 'open') await db.open();
    const actors = db.sublevel('actors', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const meta = db.sublevel('meta', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const records = new Map<string, StoredActor>();
    const discarded: string[] = [];
    for await (const [key, value] of actors.iterator()) {
      const decoded = decodeRecord(value);
      if (decoded.ok) records.set(key, decoded.record);
      else {
        options.logger.warn({ actor: key, reason: decoded.reason }, 'discarding a stored snapshot; the actor starts fresh');
        discarded.push(key);
      }
    }
    const fingerprintKey = (await meta.get(META_FINGERPRINT)) ?? randomBytes(32).toString('hex');
    await db.batch(
      [
        ...discarded.map((key) => ({ type: 'del' as const, sublevel: actors, key })),
        { type: 'put', sublevel: meta, key: META_SCHEMA, value: String(SCHEMA_VERSION) },
        { type: 'put', sublevel: meta, key: META_FINGERPRINT, value: fingerprintKey },
      ],
      { sync: true },
    );
    return storeOver(db, location, fingerprintKey, records);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

function storeOver(db: StoreDb, location: string, fingerprintKey: string, records: ReadonlyMap<string, StoredActor>): SnapshotStore {
  const actors = db.sublevel('actors', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  return {
    location,
    fingerprintKey,
    records,
    async write(puts, deletes, sync = false) {
      if (puts.size === 0 && deletes.length === 0) return;
      await db.batch(
        [
          ...[...puts].map(([key, value]) => ({ type: 'put' as const, sublevel: actors, key, value })),
          ...deletes.map((key) => ({ type: 'del' as const, sublevel: actors, key })),
        ],
        { sync },
      );
    },
    close: () => db.close(),
  };
}
