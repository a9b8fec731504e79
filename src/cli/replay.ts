import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EventLogError, replayLog } from '../replay/replay.js';
import { formatReplay } from '../replay/replay-format.js';
import { readClusterLog } from '../cluster/cluster-log.js';
import { redactedRedisUrl } from '../config/cluster-schema.js';
import { fuseboxVersion } from '../shared/version.js';

/**
 * `fusebox replay FILE [--until T] [--json]`: rebuild the actors from an event log, feed its
 * events with their own timestamps, print the timeline and the final states. Same log, same
 * bytes out. `--redis URL [--prefix P]` reads the cluster's event log from its stream instead
 * (`--export` prints it as NDJSON). Exit 0 printed, 2 bad usage or an unreadable log.
 */
export const REPLAY_HELP = `Usage: fusebox replay FILE [--until T] [--json]
       fusebox replay --redis URL [--prefix P] [--until T] [--json] [--export]

  Replays an event log recorded with \`fusebox start --record FILE\` (or config eventLog):
  prints every state transition (time, actor, from → to, why) and every actor's final state.
      --redis URL --prefix P   read the cluster's event log from its Redis stream instead
                  (the key prefix of config cluster.keyPrefix, default fusebox)
      --export    with --redis: print the cluster's log as NDJSON (a file replay reads)
      --until T   stop at the first event after T: ms since the epoch, an ISO time, or an
                  offset from the start of the log such as +90s, +1500ms, +5m
      --json      print the timeline and final states as JSON
`;

const OPTIONS = {
  until: { type: 'string' },
  json: { type: 'boolean' },
  redis: { type: 'string' },
  prefix: { type: 'string', default: 'fusebox' },
  export: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function replayMain(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  if (values.redis === undefined ? positionals.length !== 1 : positionals.length !== 0) return usage('expected one event log FILE, or --redis URL');
  const source = values.redis === undefined ? positionals[0]! : `${redactedRedisUrl(values.redis)} (${values.prefix})`;
  let text: string;
  try {
    text = values.redis === undefined ? readFileSync(source, 'utf8') : await readClusterLog(values.redis, values.prefix, fuseboxVersion());
  } catch (error) {
    return fail(`cannot read ${source}: ${(error as Error).message}`);
  }
  if (values.export) {
    process.stdout.write(text);
    return 0;
  }
  const until = values.until === undefined ? undefined : parseUntil(values.until, firstTime(text));
  if (until === null) return usage(`--until: expected ms since the epoch, an ISO time or +<n>ms|s|m, got "${values.until}"`);
  try {
    const result = replayLog(text, until === undefined ? {} : { until });
    process.stdout.write(formatReplay(result, values.json === true));
    return 0;
  } catch (error) {
    if (!(error instanceof EventLogError)) throw error;
    return fail(`${source}: ${error.message}`);
  }
}

/** Absolute ms, or null when unreadable. Offsets count from `start`, the log's first header. */
export function parseUntil(value: string, start: number | null): number | null {
  const offset = /^\+(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  if (offset) {
    if (start === null) return null;
    const unit = { ms: 1, s: 1_000, m: 60_000 }[offset[2] as 'ms' | 's' | 'm'];
    return start + Math.round(Number(offset[1]) * unit);
  }
  if (/^\d+$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

function firstTime(text: string): number | null {
  try {
    const end = text.indexOf('\n');
    const at = (JSON.parse(end === -1 ? text : text.slice(0, end)) as { at?: unknown }).at;
    return typeof at === 'number' ? at : null;
  } catch {
    return null;
  }
}

function usage(message: string): number {
  process.stderr.write(`fusebox replay: ${message}\n\n${REPLAY_HELP}`);
  return 2;
}

function fail(message: string): number {
  process.stderr.write(`fusebox replay: ${message}\n`);
  return 2;
}
