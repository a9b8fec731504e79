import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ActorChange } from '../actors/actor-tree.js';
import { parseConfig } from '../config/load.js';
import { openGateway, type Gateway } from '../app/gateway.js';
import type { InspectorRelay } from '../inspect/inspector.js';
import { takeInspectFlag } from '../cli/inspect-flag.js';
import { startInspectorIfAsked } from '../cli/operator-hooks.js';
import { createLogger, type OwnedLogger } from '../shared/log.js';
import { actorRows, formatTable } from './actor-table.js';
import { startDemoLoad, type DemoLoad } from './demo-load.js';
import { demoConfig, startDemoUpstreams, type DemoUpstreams } from './demo-setup.js';
import { endpointLines } from './where-to-look.js';

/**
 * `fusebox demo`: three scripted upstreams, fusebox in front, a client load, and a live table
 * of every actor. Interactive until Ctrl-C; with `--duration` (or when stdout is not a
 * terminal) it prints the table as plain text every few seconds. Exit 0 when no client saw
 * an error, 1 otherwise, 2 on bad usage.
 */
export const DEMO_HELP = `fusebox demo — watch fusebox route around failing upstreams (no API keys needed)

Usage:
  fusebox demo [--duration SECONDS] [--port PORT] [--workers N] [--every SECONDS] [--plain] [--inspect [PORT]]

Options:
      --duration SECONDS  stop after this long (default: run until Ctrl-C)
      --port PORT         fusebox's port (default: 8765, or a free one if taken)
      --workers N         concurrent clients (default: 4)
      --every SECONDS     how often to print the table in plain mode (default: 5)
      --plain             plain text even on a terminal
      --inspect [PORT]    relay the actors to the Stately inspector on 127.0.0.1 (default 8080)
`;

const OPTIONS = {
  duration: { type: 'string' },
  port: { type: 'string', default: '8765' },
  workers: { type: 'string', default: '4' },
  every: { type: 'string', default: '5' },
  plain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface DemoOptions {
  readonly durationMs: number | null;
  readonly port: number;
  readonly workers: number;
  readonly everyMs: number;
  readonly live: boolean;
  /** The Stately inspector relay's port, when asked for. */
  readonly inspectPort: number | null;
}

export function parseDemoArgs(argv: string[], isTty: boolean): DemoOptions | string {
  const inspect = takeInspectFlag(argv);
  if (typeof inspect === 'string') return inspect;
  let values;
  try {
    values = parseArgs({ args: inspect.argv, options: OPTIONS, allowPositionals: false }).values;
  } catch (error) {
    return (error as Error).message;
  }
  if (values.help) return 'help';
  const number = (name: string, raw: string | undefined, min: number): number | string => {
    const n = Number(raw);
    return raw !== undefined && Number.isFinite(n) && n >= min ? n : `--${name}: expected a number ≥ ${min}, got "${raw}"`;
  };
  const duration = values.duration === undefined ? null : number('duration', values.duration, 1);
  const port = number('port', values.port, 0);
  const workers = number('workers', values.workers, 1);
  const every = number('every', values.every, 1);
  for (const v of [duration, port, workers, every]) if (typeof v === 'string') return v;
  return {
    durationMs: duration === null ? null : (duration as number) * 1000,
    port: Math.floor(port as number),
    workers: Math.floor(workers as number),
    everyMs: (every as number) * 1000,
    live: isTty && !values.plain && duration === null,
    inspectPort: inspect.port,
  };
}

export async function demoMain(argv: string[]): Promise<number> {
  const options = parseDemoArgs(argv, process.stdout.isTTY);
  if (options === 'help') {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  if (typeof options === 'string') {
    process.stderr.write(`fusebox demo: ${options}\n\n${DEMO_HELP}`);
    return 2;
  }
  const code = await runDemo(options);
  // Everything has been closed; should a stray handle remain, do not hang on it.
  setTimeout(() => process.exit(code), 3_000).unref();
  return code;
}

interface Running {
  readonly upstreams: DemoUpstreams;
  readonly gateway: Gateway;
  readonly inspector: InspectorRelay | null;
  readonly load: DemoLoad;
  readonly dataDir: string;
  readonly logFile: string;
  readonly log: OwnedLogger;
  readonly adminToken: string;
  readonly startedAt: number;
  readonly transitions: string[];
}

async function start(options: DemoOptions): Promise<Running> {
  const upstreams = await startDemoUpstreams();
  const dataDir = mkdtempSync(join(tmpdir(), 'fusebox-demo-'));
  let gateway: Gateway | null = null;
  let inspector: InspectorRelay | null = null;
  try {
    const logFile = join(tmpdir(), 'fusebox-demo.log');
    const log = createLogger({ fd: openSync(logFile, 'w') });
    const logger = log.logger;
    const relay = await startInspectorIfAsked(options.inspectPort, logger);
    if (typeof relay === 'string') throw new Error(`--inspect: ${relay}`);
    inspector = relay;
    const inspect = relay ? { inspect: relay.inspect } : {};
    const adminToken = randomBytes(16).toString('hex');
    gateway = await listenWithFallback(options.port, (port) =>
      openGateway(parseConfig(demoConfig(upstreams, port, join(dataDir, `data-${port}`), adminToken)), { logger, ...inspect }),
    );
    const transitions: string[] = [];
    gateway.actors.changes$.subscribe((change) => noteTransition(change, transitions));
    const load = await startDemoLoad({ baseURL: gateway.url, workers: options.workers, pauseMs: 150 });
    return { upstreams, gateway, inspector, load, dataDir, logFile, log, adminToken, startedAt: Date.now(), transitions };
  } catch (error) {
    // Whatever did start must stop, or its sockets keep the process alive.
    await gateway?.close().catch(() => undefined);
    await inspector?.stop().catch(() => undefined);
    await upstreams.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function listenWithFallback(port: number, build: (port: number) => Promise<Gateway>): Promise<Gateway> {
  const gateway = await build(port);
  try {
    await gateway.listen();
    return gateway;
  } catch (error) {
    await gateway.close();
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    const fallback = await build(0);
    await fallback.listen();
    return fallback;
  }
}

function noteTransition(change: ActorChange, transitions: string[]): void {
  if (change.from === change.to) return;
  const time = new Date(change.event.at).toISOString().slice(11, 19);
  const reason = change.after.context.lastTransition?.reason ?? change.event.type;
  transitions.push(`${time}  ${change.actorId}: ${change.from} → ${change.to} (${reason})`);
  if (transitions.length > 6) transitions.shift();
}

async function runDemo(options: DemoOptions): Promise<number> {
  let running: Running;
  try {
    running = await start(options);
  } catch (error) {
    process.stderr.write(`fusebox demo: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  const where = await endpointLines(running.gateway.url, running.logFile, running.inspector?.url ?? null, running.adminToken);
  const draw = options.live ? liveDrawer() : plainDrawer();
  const frame = () => draw(screen(running, where, options.live));
  const timer = setInterval(frame, options.live ? 500 : options.everyMs);
  frame();
  await untilStopped(options.durationMs);
  clearInterval(timer);
  return stop(running, where);
}

function untilStopped(durationMs: number | null): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      clearTimeout(deadline);
      resolve();
    };
    const deadline = durationMs === null ? undefined : setTimeout(done, durationMs);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

async function stop(running: Running, where: readonly string[]): Promise<number> {
  process.once('SIGINT', () => process.exit(130)); // a second Ctrl-C does not wait
  await running.load.stop();
  const last = screen(running, where, false);
  await running.gateway.close();
  await running.inspector?.stop();
  await running.upstreams.close();
  running.log.close();
  rmSync(running.dataDir, { recursive: true, force: true });
  const { errors } = running.load.stats;
  process.stdout.write(`\n${last.join('\n')}\n\ndemo stopped cleanly: ${errors} client-visible error(s).\n`);
  return errors === 0 ? 0 : 1;
}

function screen(running: Running, where: readonly string[], color: boolean): string[] {
  const { stats } = running.load;
  const now = Date.now();
  const seconds = ((now - running.startedAt) / 1000).toFixed(0);
  const served = running.upstreams.served;
  const actors = running.gateway.actors;
  return [
    `fusebox demo — ${running.gateway.url} — ${seconds}s — Ctrl-C to stop`,
    `client-visible errors: ${stats.errors} — client requests: ${stats.json} JSON + ${stats.stream} streamed ok, slowest ${stats.slowestMs} ms`,
    ...(stats.lastError ? [`last client error: ${stats.lastError}`] : []),
    `upstream calls: slow ${served.slow}, flaky ${served.flaky}, steady ${served.steady}`,
    '',
    ...formatTable(
      actorRows(actors.ids, (id) => actors.view(id), now),
      color,
    ),
    '',
    'recent breaker transitions:',
    ...(running.transitions.length > 0 ? running.transitions.map((t) => `  ${t}`) : ['  (none yet)']),
    '',
    ...where,
  ];
}

/** Redraws in place; lines are cut to the terminal's size so nothing wraps or scrolls away. */
function liveDrawer(): (lines: string[]) => void {
  let first = true;
  return (lines) => {
    const prefix = first ? '\x1b[2J\x1b[H' : '\x1b[H';
    first = false;
    const columns = process.stdout.columns || 200;
    const fitted = lines
      .slice(0, Math.max(5, (process.stdout.rows || 100) - 1))
      .map((line) => (line.includes('\x1b[') || line.length < columns ? line : `${line.slice(0, columns - 2)}…`));
    process.stdout.write(`${prefix}${fitted.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`);
  };
}

function plainDrawer(): (lines: string[]) => void {
  return (lines) => process.stdout.write(`${lines.join('\n')}\n\n`);
}
