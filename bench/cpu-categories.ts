import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWrk } from './load/wrk.js';
import { warmUp } from './lib/measure.js';
import { mainThreadProfile, summariseByCategory, type CategorySummary } from './lib/categories.js';
import { sleep } from './lib/proc.js';
import { FB1, PT } from './names.js';
import { startFusebox, startPassthrough, type Target } from './servers/targets.js';
import type { Plan } from './suites.js';

/**
 * fusebox 1×1×1 and the pass-through, each a fresh process under `node --cpu-prof`, driven by
 * the throughput suite's wrk load (32 connections): a warm-up until its CPU per request settles (warmUp), a pause, then a window of
 * `seconds` whose samples are summed by category. A category's µs per request is its busy
 * profile time in the window ÷ the requests wrk completed in it (the profiler's own overhead
 * included, the time of threads other than the main one not). The profiles are kept under
 * `<tmpdir>/fusebox-bench-profiles`.
 */
export interface CategoryProfile extends CategorySummary {
  readonly requests: number;
  readonly errors: number;
  readonly windowUs: number;
  readonly file: string;
}

const PAUSE_MS = 500;

export async function categorySuite(plan: Plan, seconds: number): Promise<Map<string, CategoryProfile>> {
  const base = join(tmpdir(), 'fusebox-bench-profiles');
  const shape = { backends: 1, baseUrls: 1, credentials: 1 };
  const runs: [string, string, (nodeFlags: string[]) => Promise<Target>][] = [
    [PT, process.cwd(), (nodeFlags) => startPassthrough(plan.proxyCpu, plan.origin, nodeFlags)],
    [
      FB1,
      plan.root,
      (nodeFlags) => startFusebox({ name: 'profile-one', shape, origin: plan.origin, dir: plan.dir, cpu: plan.proxyCpu, root: plan.root, nodeFlags }),
    ],
  ];
  const out = new Map<string, CategoryProfile>();
  for (const [name, root, start] of runs) {
    const dir = join(base, `categories-${name.replace(/\W+/g, '-')}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    out.set(name, await profileUnderLoad(plan, seconds, dir, root, start));
  }
  return out;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function profileUnderLoad(
  plan: Plan,
  seconds: number,
  dir: string,
  root: string,
  start: (nodeFlags: string[]) => Promise<Target>,
): Promise<CategoryProfile> {
  const target = await start(['--cpu-prof', '--cpu-prof-dir', dir]);
  let window: { from: number; to: number; requests: number; errors: number };
  try {
    await warmUp(target, plan.wrkScript!, plan.loadCpu);
    await sleep(PAUSE_MS);
    const from = monotonicUs();
    const result = await runWrk(target.url, plan.wrkScript!, seconds, 32, plan.loadCpu);
    window = { from, to: monotonicUs(), requests: result.requests, errors: result.errors };
    await sleep(PAUSE_MS);
  } finally {
    await target.stop();
  }
  const found = mainThreadProfile(dir);
  if (!found) throw new Error(`no CPU profile written to ${dir}`);
  // The profile's timestamps are CLOCK_MONOTONIC µs, the clock of process.hrtime here.
  if (found.profile.startTime > window.from) throw new Error(`profile ${found.file} starts after the load window: clocks differ`);
  const summary = summariseByCategory(found.profile, root, window.from, window.to);
  return { ...summary, requests: window.requests, errors: window.errors, windowUs: window.to - window.from, file: found.file };
}
