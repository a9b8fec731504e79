import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { buildFusebox } from './lib/build.js';
import { freePort, sleep, stopProcess, waitForPort } from './lib/proc.js';
import { fuseboxConfig, PATH, startUpstream, type FuseboxShape } from './servers/targets.js';

/**
 * `npm run bench:cost [-- --shape 1x1x1|4x3x50] [--kind anthropic] [--requests N] [--instructions] [--head]`:
 * what one JSON request costs inside fusebox and inside the bare pass-through, counted rather
 * than timed, so the figures hold on a busy machine: promises created, bytes allocated on the
 * JS heap and, with --instructions, machine instructions (valgrind's callgrind) per request.
 * Each process is warmed up first; only a window of `requests` requests (16 at a time) is counted.
 * Builds the working tree (or HEAD with --head); prints a table and one JSON line.
 */
const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: '1x1x1' },
    kind: { type: 'string' },
    requests: { type: 'string' },
    instructions: { type: 'boolean' },
    head: { type: 'boolean' },
  },
});

const HOOKS = resolve('bench/lib/cost-hooks.mjs');
const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
const instructions = values.instructions === true;
const requests = Number(values.requests ?? (instructions ? 400 : 4000));
const [backends, baseUrls, credentials] = values.shape.split('x').map(Number) as [number, number, number];

interface Window {
  readonly promises: number;
  readonly allocatedBytes: number;
  readonly collections: number;
  readonly cpuMicros: number;
  instructions?: number;
}

async function load(url: URL, count: number): Promise<void> {
  const pool = new Pool(url.origin, { connections: 16 });
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
  await Promise.all(Array.from({ length: 16 }, worker));
  await pool.close();
  if (failed > 0) throw new Error(`${failed} of ${count} requests failed`);
}

/** Runs the process `command` (which listens on `port`), warms it up, then counts one window of requests. */
async function measure(name: string, command: string[], port: number, env: NodeJS.ProcessEnv): Promise<Window> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-cost-'));
  const out = join(dir, 'counts.ndjson');
  const callgrindOut = join(dir, 'callgrind.out');
  const argv = instructions ? ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${callgrindOut}`, ...command] : command;
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...env, FUSEBOX_COST_OUT: out, FUSEBOX_COST_PROMISES: instructions ? '0' : '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    await waitForPort(port, instructions ? 120_000 : 30_000, child);
    const url = new URL(`http://127.0.0.1:${port}${PATH}`);
    await load(url, instructions ? 300 : 3000);
    await sleep(200);
    // Under valgrind the program runs in the valgrind process itself: one pid for both.
    const pid = child.pid!;
    if (instructions) spawnSync('callgrind_control', ['-z', String(child.pid)]);
    if (instructions) spawnSync('callgrind_control', ['-i', 'on', String(child.pid)]);
    process.kill(pid, 'SIGUSR2');
    await sleep(100);
    await load(url, requests);
    await sleep(100);
    process.kill(pid, 'SIGUSR2');
    if (instructions) spawnSync('callgrind_control', ['-d', String(child.pid)]);
    for (let i = 0; i < 100 && !existsSync(out); i++) await sleep(50);
    const window = JSON.parse(readFileSync(out, 'utf8').trim().split('\n').at(-1)!) as Window;
    if (instructions) window.instructions = dumpedInstructions(dir);
    process.stderr.write(`  ${name}: counted ${requests} requests\n`);
    return window;
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

const build = buildFusebox(values.head ? 'head' : 'tree', mkdtempSync(join(tmpdir(), 'fusebox-cost-build-')), (line) =>
  process.stderr.write(`${line}\n`),
);
const upstream = await startUpstream(null);
try {
  const passPort = await freePort();
  const passthrough = await measure(
    'pass-through',
    [process.execPath, '--import', HOOKS, '--import', 'tsx', 'bench/servers/passthrough.ts', upstream.origin, String(passPort)],
    passPort,
    {},
  );
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-cost-run-'));
  const config = join(dir, 'fusebox.json');
  const shape: FuseboxShape = { backends, baseUrls, credentials, ...(values.kind ? { kind: values.kind } : {}) };
  writeFileSync(config, fuseboxConfig(shape, upstream.origin, port, join(dir, 'data')));
  const fusebox = await measure(
    `fusebox ${values.shape}${values.kind ? ` ${values.kind}` : ''}`,
    [process.execPath, '--import', HOOKS, join(build.root, 'dist/src/cli/main.js'), 'start', '-c', config, '--log-level', 'info'],
    port,
    {},
  );
  rmSync(dir, { recursive: true, force: true });
  report(passthrough, fusebox);
} finally {
  await upstream.stop();
}

function report(base: Window, fusebox: Window): void {
  const per = (w: Window, key: keyof Window) => (w[key] ?? 0) / requests;
  const rows: [string, keyof Window, number][] = [
    ['promises', 'promises', 1],
    ['KB allocated', 'allocatedBytes', 1024],
    ['GCs per 1000', 'collections', 0.001],
    ['CPU µs (timed)', 'cpuMicros', 1],
    ...(instructions ? ([['k instructions', 'instructions', 1000]] as [string, keyof Window, number][]) : []),
  ];
  process.stdout.write(`per request (${requests} requests, fusebox ${values.shape}${values.kind ? ` ${values.kind}` : ''})\n`);
  process.stdout.write('| measure | pass-through | fusebox | × |\n| --- | ---: | ---: | ---: |\n');
  for (const [label, key, scale] of rows) {
    const a = per(base, key) / scale;
    const b = per(fusebox, key) / scale;
    process.stdout.write(`| ${label} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${a > 0 ? (b / a).toFixed(2) : '–'} |\n`);
  }
  process.stdout.write(`${JSON.stringify({ requests, passthrough: base, fusebox })}\n`);
}
