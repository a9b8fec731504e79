import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

/**
 * Process plumbing for the bench: spawn pinned to a core, wait for a port, read CPU time and
 * RSS of a process tree from /proc, stop cleanly. Linux only; every spawn is bounded.
 */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

const TASKSET = has('taskset');

/** `cpu` pins the process with taskset when it is available (and there are ≥ 2 cores). */
export function spawnPinned(cpu: number | null, command: string, args: string[], stdout: 'pipe' | 'discard' = 'pipe'): ChildProcess {
  const pinned = cpu !== null && TASKSET;
  const child = spawn(pinned ? 'taskset' : command, pinned ? ['-c', String(cpu), command, ...args] : args, {
    stdio: ['ignore', stdout === 'pipe' ? 'pipe' : openSync('/dev/null', 'w'), 'pipe'],
  });
  child.stderr?.setEncoding('utf8');
  let stderr = '';
  child.stderr?.on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
  Object.defineProperty(child, 'stderrTail', { get: () => stderr });
  return child;
}

/** Reads `port <n>` from a bench server's stdout, then keeps draining it. */
export function readPort(child: ChildProcess, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no port announced: ${stderrTail(child)}`)), timeoutMs);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      text += chunk;
      const match = /port (\d+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before listening: ${stderrTail(child)}`)));
  });
}

export function stderrTail(child: ChildProcess): string {
  return (child as ChildProcess & { stderrTail?: string }).stderrTail ?? '';
}

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 15_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process exited (${child.exitCode}): ${stderrTail(child)}`);
    if (await canConnect(port)) return;
    await sleep(10);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The pid and all its descendants, from /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function readStat(pid: number): { ppid: number; ticks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** utime + stime of the process tree, in microseconds. */
export function cpuMicros(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) ticks += readStat(pid)?.ticks ?? 0;
  return (ticks / CLK_TCK) * 1e6;
}

/**
 * Counters of a process tree summed over all its threads: utime+stime (µs, clock-tick
 * resolution), time on a CPU from /proc/…/task/…/schedstat (µs, nanosecond resolution; null
 * when the kernel keeps no schedstat) and context switches (voluntary + involuntary: each is
 * the thread going to sleep or being put off the CPU, a wake-up counted when it comes back).
 */
export interface ThreadCounters {
  readonly cpuUs: number;
  readonly runUs: number | null;
  readonly switches: number;
  readonly threads: number;
}

const SCHEDSTAT = existsSync('/proc/self/schedstat');

export function threadCounters(root: number): ThreadCounters {
  let ticks = 0;
  let runNs = 0;
  let switches = 0;
  let threads = 0;
  for (const pid of processTree(root)) {
    ticks += readStat(pid)?.ticks ?? 0;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // The process went away between listing and reading.
    }
    for (const tid of tasks) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
        const run = SCHEDSTAT ? Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) : 0;
        for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) switches += Number(match[1]);
        runNs += run;
        threads += 1;
      } catch {
        // The thread ended between listing and reading.
      }
    }
  }
  return { cpuUs: (ticks / CLK_TCK) * 1e6, runUs: SCHEDSTAT ? runNs / 1000 : null, switches, threads };
}

/** Resident set size (or its peak, VmHWM) summed over the tree, in bytes. */
export function rssBytes(root: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  let kib = 0;
  for (const pid of processTree(root)) {
    try {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      // The process went away between listing and reading.
    }
  }
  return kib * 1024;
}

/** SIGINT (or `signal`), then SIGKILL if it has not exited after `graceMs`. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT', graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A free TCP port on 127.0.0.1 (bound and released at once). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
