import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runWrk } from '../load/wrk.js';
import { warmUp } from './measure.js';
import { startFusebox, type FuseboxShape } from '../servers/targets.js';
import { mainThreadProfile, type CpuProfile } from './categories.js';
import { createSourceMapper } from './source-map.js';

/**
 * A CPU profile (`node --cpu-prof`) of fusebox under closed-loop load, summarised as the
 * functions with the most self time (mapped back to the .ts source) and the share per file.
 */
export interface ProfileSummary {
  readonly label: string;
  readonly file: string;
  readonly totalMs: number;
  readonly topFunctions: readonly { name: string; where: string; selfPct: number }[];
  readonly topFiles: readonly { file: string; selfPct: number }[];
  /** fusebox's own functions (src/) by total time, callees included. */
  readonly topInclusive: readonly { name: string; where: string; pct: number }[];
}

export interface ProfileRun {
  readonly label: string;
  readonly shape: FuseboxShape;
  readonly origin: string;
  readonly dir: string;
  /** Where the fusebox under test was built; its source maps point into it. */
  readonly root: string;
  readonly proxyCpu: number | null;
  readonly loadCpu: number | null;
  readonly wrkScript: string;
  /** Seconds of wrk load; 0 profiles the start only (until /healthz answers). */
  readonly seconds: number;
}

export async function profileFusebox(run: ProfileRun): Promise<ProfileSummary | null> {
  const profileDir = join(run.dir, `profile-${run.label.replace(/\W+/g, '-')}`);
  rmSync(profileDir, { recursive: true, force: true });
  const target = await startFusebox({
    name: 'profile',
    shape: run.shape,
    origin: run.origin,
    dir: run.dir,
    cpu: run.proxyCpu,
    root: run.root,
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir],
  });
  let loadFrom = 0;
  if (run.seconds > 0) {
    await warmUp(target, run.wrkScript, run.loadCpu);
    loadFrom = Number(process.hrtime.bigint() / 1000n);
    await runWrk(target.url, run.wrkScript, run.seconds, 32, run.loadCpu);
  }
  await target.stop();
  const found = mainThreadProfile(profileDir);
  if (!found) return null;
  const { file, profile } = found;
  // Under load, leave out the start-up and the warm-up (module loading, compiling): only the hot
  // path counts. The profile's timestamps are CLOCK_MONOTONIC µs, the clock of process.hrtime.
  const skipUs = run.seconds > 0 ? Math.max(0, loadFrom - profile.startTime) : 0;
  return { label: run.label, file, ...summarise(profile, run.root, skipUs) };
}

function summarise(profile: CpuProfile, root: string, skipUs: number): Omit<ProfileSummary, 'label' | 'file'> {
  const selfUs = new Map<number, number>();
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsed += delta;
    if (elapsed >= skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const map = createSourceMapper(root);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    if (us === 0 || functionName === '(idle)') continue;
    total += us;
    const where = url ? map(url, lineNumber, columnNumber) : '';
    const key = `${functionName || '(anonymous)'}\t${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const fileKey = where ? where.replace(/:\d+$/, '').replace(/^node_modules\/([^/]+(?:\/[^/]+)?)\/.*/, 'node_modules/$1') : functionName;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const pct = (us: number) => (100 * us) / Math.max(1, total);
  const inclusive = inclusiveOwn(profile, selfUs, map);
  const top = <T>(m: Map<string, number>, n: number, f: (k: string, us: number) => T) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => f(k, us));
  return {
    totalMs: total / 1000,
    topFunctions: top(byFunction, Number(process.env.PROF_TOP ?? 15), (k, us) => {
      const [name, where] = k.split('\t');
      return { name: name!, where: where!, selfPct: pct(us) };
    }),
    topFiles: top(byFile, Number(process.env.PROF_TOP ?? 12), (file, us) => ({ file, selfPct: pct(us) })),
    topInclusive: top(inclusive, Number(process.env.PROF_TOP ?? 15), (k, us) => {
      const [name, where] = k.split('\t');
      return { name: name!, where: where!, pct: pct(us) };
    }),
  };
}

/** Total time (self + callees) of each src/ function, each sample counted once per function. */
function inclusiveOwn(profile: CpuProfile, selfUs: Map<number, number>, map: (url: string, l: number, c: number) => string): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const keyOf = new Map<number, string | null>();
  const key = (id: number): string | null => {
    if (!keyOf.has(id)) {
      const { functionName, url, lineNumber, columnNumber } = byId.get(id)!.callFrame;
      const where = url ? map(url, lineNumber, columnNumber) : '';
      keyOf.set(id, where.startsWith('src/') ? `${functionName || '(anonymous)'}\t${where}` : null);
    }
    return keyOf.get(id)!;
  };
  const totals = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = key(at);
      if (k === null || seen.has(k)) continue;
      seen.add(k);
      totals.set(k, (totals.get(k) ?? 0) + us);
    }
  }
  return totals;
}
