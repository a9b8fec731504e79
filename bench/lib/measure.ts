import { spawn } from 'node:child_process';
import { runWrk } from '../load/wrk.js';
import type { Target } from '../servers/targets.js';
import { cpuMicros } from './proc.js';

/**
 * One measurement of one target: closed-loop throughput with wrk (and the proxy's CPU per
 * request from /proc), or a run of the open-loop generator. The load generator is pinned
 * to `loadCpu`.
 */
export interface Throughput {
  readonly rps: number;
  readonly requests: number;
  readonly errors: number;
  /** utime+stime of the proxy's process tree per completed request, µs; null for direct. */
  readonly cpuUsPerRequest: number | null;
}

export async function throughput(target: Target, script: string, seconds: number, loadCpu: number | null): Promise<Throughput> {
  const before = target.pid === null ? 0 : cpuMicros(target.pid);
  const result = await runWrk(target.url, script, seconds, 32, loadCpu);
  const after = target.pid === null ? 0 : cpuMicros(target.pid);
  return {
    ...result,
    cpuUsPerRequest: target.pid === null || result.requests === 0 ? null : (after - before) / result.requests,
  };
}

/** The warm-up's bounds: 1 s wrk windows, at least WARM_MIN_S of them and at most WARM_MAX_S. */
export const WARM_MIN_S = 3;
export const WARM_MAX_S = 15;

/**
 * Loads `target` in 1 s wrk windows until its CPU per request has settled: at least WARM_MIN_S
 * windows, then until a window's CPU per request is within 10% of the one before it (or
 * WARM_MAX_S windows). A fresh fusebox spends its first seconds of load compiling (V8's
 * optimising compiler runs on helper threads pinned to the same core), several times its steady
 * CPU per request; a fixed 1 s warm-up left that in the first measured round. Resolves with the
 * seconds it took.
 */
export async function warmUp(target: Target, script: string, loadCpu: number | null): Promise<number> {
  let previous: number | null = null;
  for (let second = 1; second <= WARM_MAX_S; second++) {
    const { cpuUsPerRequest: cpu, rps } = await throughput(target, script, 1, loadCpu);
    if (cpu === null || rps === 0) return second; // direct: nothing of its own to warm
    if (second >= WARM_MIN_S && previous !== null && Math.abs(cpu - previous) <= 0.1 * previous) return second;
    previous = cpu;
  }
  return WARM_MAX_S;
}

/** Runs bench/load/open-loop.ts with these arguments; resolves with its JSON line. */
export function openLoop<T>(args: string[], loadCpu: number | null, timeoutMs: number): Promise<T> {
  const node = [process.execPath, '--import', 'tsx', 'bench/load/open-loop.ts', ...args];
  const child = loadCpu === null ? spawn(node[0]!, node.slice(1)) : spawn('taskset', ['-c', String(loadCpu), ...node]);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (err = (err + text).slice(-2000)));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearTimeout(killer);
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) reject(new Error(`open-loop ${args.join(' ')} exited ${code}: ${err}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Rounds of A B C … with the order rotated each round (A B C, B C A, …) so no target always
 * runs first or last; returns every target's results in round order.
 */
export async function alternate<T>(
  names: readonly string[],
  rounds: number,
  measure: (name: string, round: number) => Promise<T>,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      results.get(name)!.push(await measure(name, round));
    }
  }
  return results;
}
