import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EventLogError, replayLog } from '../replay/replay.js';
import { formatReplay } from '../replay/replay-format.js';

/**
 * `fusebox replay FILE [--until T] [--json]`: rebuild the actors from an event log, feed its
 * events with their own timestamps, print the timeline and the final states. Same log, same
 * bytes out. Exit 0 printed, 2 bad usage or an unreadable log.
 */
export const REPLAY_HELP = `Usage: fusebox replay FILE [--until T] [--json]

  Replays an event log recorded with \`fusebox start --record FILE\` (or config eventLog):
  prints every state transition (time, actor, from → to, why) and every actor's final state.
      --until T   stop at the first event after T: ms since the epoch, an ISO time, or an
                  offset from the start of the log such as +90s, +1500ms, +5m
      --json      print the timeline and final states as JSON
`;

const OPTIONS = {
  until: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function replayMain(argv: string[]): number {
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
  if (positionals.length !== 1) return usage('expected one event log FILE');
  let text: string;
  try {
    text = readFileSync(positionals[0]!, 'utf8');
  } catch (error) {
    return fail(`cannot read ${positionals[0]}: ${(error as Error).message}`);
  }
  const until = values.until === undefined ? undefined : parseUntil(values.until, firstTime(text));
  if (until === null) return usage(`--until: expected ms since the epoch, an ISO time or +<n>ms|s|m, got "${values.until}"`);
  try {
    const result = replayLog(text, until === undefined ? {} : { until });
    process.stdout.write(formatReplay(result, values.json === true));
    return 0;
  } catch (error) {
    if (!(error instanceof EventLogError)) throw error;
    return fail(`${positionals[0]}: ${error.message}`);
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
