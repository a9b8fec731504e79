import { threadCounters, sleep, type ThreadCounters } from './lib/proc.js';
import { FB1, PT } from './names.js';
import { startFusebox, startPassthrough, type Target } from './servers/targets.js';
import type { Plan } from './suites.js';

/**
 * What a process costs while nothing happens: fusebox 1×1×1 (started as every other suite
 * starts it) and the pass-through, both fresh, neither ever sent a request. Once both answer,
 * they settle for `SETTLE_MS`, then the counters of each process tree (all threads) are read
 * before and after the same idle window: CPU from utime+stime and from schedstat, and the
 * threads' context switches (wake-ups). Both are measured over the same window: idle
 * processes do not compete for the CPU.
 */
export interface IdleFigure {
  readonly windowS: number;
  /** utime+stime per idle second (clock-tick resolution, 10 ms at CLK_TCK 100). */
  readonly cpuMsPerS: number;
  /** Time on a CPU per idle second from schedstat (ns resolution); null without schedstat. */
  readonly runMsPerS: number | null;
  readonly wakeupsPerS: number;
  readonly threads: number;
}

/**
 * Past the start-up's tail: some seconds after a Node process starts, V8's memory reducer runs a
 * burst of GC on the main and helper threads (tens of ms of CPU), a one-time cost that would
 * otherwise dominate a window of a few seconds. It waits 8 s after the last full GC and may wait
 * again while the process still allocates: a fresh fusebox showed it 16–17 s after start on
 * this machine (2026-12-03, `node --trace-gc`), so the window starts well after that.
 */
export const SETTLE_MS = 30_000;

export async function idleSuite(plan: Plan, windowS: number): Promise<Map<string, IdleFigure>> {
  const targets = new Map<string, Target>();
  try {
    targets.set(PT, await startPassthrough(plan.proxyCpu, plan.origin));
    const shape = { backends: 1, baseUrls: 1, credentials: 1 };
    targets.set(FB1, await startFusebox({ name: 'idle', shape, origin: plan.origin, dir: plan.dir, cpu: plan.proxyCpu, root: plan.root }));
    await sleep(SETTLE_MS);
    const before = new Map([...targets].map(([name, t]) => [name, threadCounters(t.pid!)]));
    const started = performance.now();
    await sleep(windowS * 1000);
    const seconds = (performance.now() - started) / 1000;
    const out = new Map<string, IdleFigure>();
    for (const [name, t] of targets) out.set(name, idleFigure(before.get(name)!, threadCounters(t.pid!), seconds));
    return out;
  } finally {
    for (const target of targets.values()) await target.stop();
  }
}

export function idleFigure(before: ThreadCounters, after: ThreadCounters, seconds: number): IdleFigure {
  return {
    windowS: seconds,
    cpuMsPerS: (after.cpuUs - before.cpuUs) / 1000 / seconds,
    runMsPerS: after.runUs === null || before.runUs === null ? null : (after.runUs - before.runUs) / 1000 / seconds,
    wakeupsPerS: (after.switches - before.switches) / seconds,
    threads: after.threads,
  };
}

/** The figure a verdict compares: schedstat's when there is one (utime+stime is too coarse for an idle process). */
export const idleCpu = (figure: IdleFigure): number => figure.runMsPerS ?? figure.cpuMsPerS;
