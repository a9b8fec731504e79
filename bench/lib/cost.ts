import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { fuseboxConfig, PATH, type FuseboxShape } from '../servers/targets.js';
import { freePort, sleep, stopProcess, waitForPort } from './proc.js';

/**
 * What one JSON request costs inside fusebox and inside the bare pass-through, counted rather
 * than timed, so the figures hold on a busy machine: promises created, bytes allocated on the
 * JS heap, garbage collections and, with `instructions`, machine instructions (valgrind's
 * callgrind). Each process is preloaded with bench/lib/cost-hooks.mjs, warmed up with `warmup`
 * requests, then one window of `requests` requests (16 at a time) is counted.
 */
export interface CostWindow {
  readonly promises: number;
  readonly allocatedBytes: number;
  readonly collections: number;
  readonly cpuMicros: number;
  readonly instructions?: number;
}

export interface CostRun {
  /** Where the fusebox under test was built (holds dist/src/cli/main.js). */
  readonly root: string;
  readonly origin: string;
  /** fusebox shapes to count, each by its label; the pass-through is counted once for all. */
  readonly shapes: readonly { readonly label: string; readonly shape: FuseboxShape }[];
  readonly requests: number;
  readonly warmup: number;
  readonly instructions: boolean;
  /** The CPU the counted processes are pinned to (taskset), or null. */
  readonly cpu: number | null;
  readonly say: (line: string) => void;
}

export interface CostResult {
  readonly requests: number;
  readonly passthrough: CostWindow;
  readonly fusebox: ReadonlyMap<string, CostWindow>;
}

const HOOKS = resolve('bench/lib/cost-hooks.mjs');
const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
const CONCURRENCY = 16;

export async function countPerRequest(run: CostRun): Promise<CostResult> {
  const passPort = await freePort();
  const passthrough = await measure(
    run,
    'pass-through',
    [process.execPath, '--import', HOOKS, '--import', 'tsx', 'bench/servers/passthrough.ts', run.origin, String(passPort)],
    passPort,
  );
  const fusebox = new Map<string, CostWindow>();
  for (const { label, shape } of run.shapes) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-cost-run-'));
    try {
      const config = join(dir, 'fusebox.json');
      writeFileSync(config, fuseboxConfig(shape, run.origin, port, join(dir, 'data')));
      const command = [process.execPath, '--import', HOOKS, join(run.root, 'dist/src/cli/main.js'), 'start', '-c', config, '--log-level', 'info'];
      fusebox.set(label, await measure(run, label, command, port));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { requests: run.requests, passthrough, fusebox };
}

async function load(url: URL, count: number): Promise<void> {
  const pool = new Pool(url.origin, { connections: CONCURRENCY });
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const res = await pool.request({ method: 'POST', path: url.pathname, headers: { 'content-type': 'application/json' }, body: BODY });
      await res.body.dump();
      if (res.statusCode !== 200) failed += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    await pool.close();
  }
  if (failed > 0) throw new Error(`${failed} of ${count} requests failed`);
}

/** Runs `command` (which listens on `port`), warms it up, then counts one window of requests. */
async function measure(run: CostRun, name: string, command: string[], port: number): Promise<CostWindow> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-cost-'));
  const out = join(dir, 'counts.ndjson');
  const callgrind = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'callgrind.out')}`];
  const wrapped = run.instructions ? [...callgrind, ...command] : command;
  const argv = run.cpu === null ? wrapped : ['taskset', '-c', String(run.cpu), ...wrapped];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, FUSEBOX_COST_OUT: out, FUSEBOX_COST_PROMISES: run.instructions ? '0' : '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    await waitForPort(port, run.instructions ? 120_000 : 30_000, child);
    const url = new URL(`http://127.0.0.1:${port}${PATH}`);
    await load(url, run.warmup);
    await sleep(200);
    // Under valgrind the program runs in the valgrind process itself, and taskset execs: one pid for all.
    const pid = String(child.pid);
    if (run.instructions) spawnSync('callgrind_control', ['-z', pid]);
    if (run.instructions) spawnSync('callgrind_control', ['-i', 'on', pid]);
    process.kill(child.pid!, 'SIGUSR2');
    await sleep(100);
    await load(url, run.requests);
    await sleep(100);
    process.kill(child.pid!, 'SIGUSR2');
    if (run.instructions) spawnSync('callgrind_control', ['-d', pid]);
    for (let i = 0; i < 100 && !existsSync(out); i++) await sleep(50);
    const window = JSON.parse(readFileSync(out, 'utf8').trim().split('\n').at(-1)!) as CostWindow;
    run.say(`  ${name}: counted ${run.requests} requests`);
    return run.instructions ? { ...window, instructions: dumpedInstructions(dir) } : window;
  } finally {
    await stopProcess(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

function dumpedInstructions(dir: string): number {
  const dumps = readdirSync(dir).filter((f) => f.startsWith('callgrind.out') && f !== 'callgrind.out');
  const file = dumps.sort().at(-1);
  if (!file) throw new Error('callgrind wrote no dump');
  const text = readFileSync(join(dir, file), 'utf8');
  const totals = /^(?:summary|totals):\s*(\d+)/m.exec(text);
  if (!totals) throw new Error(`no totals in ${file}`);
  return Number(totals[1]);
}

/** Per request: promises, KB allocated, GCs per 1000 requests, CPU µs (timed, hooks on) and k instructions when counted. */
export function perRequest(
  window: CostWindow,
  requests: number,
): { promises: number; kb: number; gcsPer1000: number; cpuUs: number; kInstructions: number | null } {
  return {
    promises: window.promises / requests,
    kb: window.allocatedBytes / 1024 / requests,
    gcsPer1000: (window.collections * 1000) / requests,
    cpuUs: window.cpuMicros / requests,
    kInstructions: window.instructions === undefined ? null : window.instructions / 1000 / requests,
  };
}
