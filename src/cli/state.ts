import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readStoredState, NoDataDirError, type StoredState } from '../persistence/snapshot-reader.js';
import { finalRow, iso, table } from '../replay/replay-format.js';
import { ConfigError, loadDataDir } from '../config/load.js';

/**
 * `fusebox state [--data-dir DIR | --config FILE] [--json]`: the stored state of every actor,
 * read without changing the data directory (a copy is read while fusebox runs).
 * The directory is `--data-dir`, else the config's `dataDir`, else ./.fusebox.
 * Exit 0 printed, 2 bad usage, config or no data directory.
 */
export const STATE_HELP = `Usage: fusebox state [--data-dir DIR | --config FILE] [--json]

  Prints the stored state of every actor (breaker state, deadline, health, credentials).
  -d, --data-dir DIR   the data directory (default: the config's dataDir, else ./.fusebox)
  -c, --config FILE    read dataDir from this config (default: fusebox.yaml, if present)
      --json           print JSON instead of a table
`;

const OPTIONS = {
  'data-dir': { type: 'string', short: 'd' },
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function stateMain(argv: string[], now = Date.now()): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }).values;
  } catch (error) {
    process.stderr.write(`fusebox state: ${(error as Error).message}\n\n${STATE_HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(STATE_HELP);
    return 0;
  }
  const dataDir = values['data-dir'] ?? dataDirFromConfig(values.config);
  if (dataDir === null) return 2;
  let state: StoredState;
  try {
    state = await readStoredState(dataDir);
  } catch (error) {
    if (!(error instanceof NoDataDirError)) throw error;
    process.stderr.write(`fusebox state: ${error.message}\n`);
    return 2;
  }
  process.stdout.write(values.json ? asJson(state) : asTable(state, now));
  return 0;
}

function dataDirFromConfig(file: string | undefined): string | null {
  const path = file ?? 'fusebox.yaml';
  if (file === undefined && !existsSync(path)) return './.fusebox';
  try {
    return loadDataDir(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`fusebox state: ${error.message}\n`);
    return null;
  }
}

function asJson(state: StoredState): string {
  const actors: Record<string, unknown> = {};
  for (const [id, record] of state.records) {
    actors[id] = { savedAt: record.savedAt, state: record.snapshot.value, context: record.snapshot.context };
  }
  const out = { dataDir: state.dataDir, schema: state.schema, fromCopy: state.fromCopy, actors, undecodable: state.undecodable };
  return `${JSON.stringify(out, null, 2)}\n`;
}

function asTable(state: StoredState, now: number): string {
  const note = state.fromCopy ? ' (in use by a running fusebox: read from a copy)' : '';
  const rows = [...state.records].map(([id, record]) => [
    ...finalRow(id, { state: record.snapshot.value, context: record.snapshot.context }, now),
    iso(record.savedAt),
  ]);
  const bad = state.undecodable.map((entry) => `  ! ${entry.actor}: ${entry.reason} (discarded at next start)\n`).join('');
  const head = `${state.dataDir}${note}: ${state.records.size} actor(s), schema ${state.schema ?? '?'}, as of ${iso(now)}\n`;
  return `${head}${table(['ACTOR', 'STATE', 'OPEN UNTIL', 'HEALTH', 'FAILS', 'CREDENTIALS', 'SAVED'], rows)}${bad}`;
}
