import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runWrk } from '../load/wrk.js';
import { startFusebox, type FuseboxShape } from '../servers/targets.js';
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
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRun {
  readonly label: string;
  readonly shape: FuseboxShape;
  readonly origin: string;
  readonly dir: string;
  readonly proxyCpu: number | null;
  readonly loadCpu: number | null;
  readonly wrkScript: string;
  readonly seconds: number;
}

export async function profileFusebox(run: ProfileRun): Promise<ProfileSummary | null> {
  const profileDir = join(run.dir, `profile-${run.label.replace(/\W+/g, '-')}`);
  const target = await startFusebox({
    name: 'profile',
    shape: run.shape,
    origin: run.origin,
    dir: run.dir,
    cpu: run.proxyCpu,
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir],
  });
  await runWrk(target.url, run.wrkScript, run.seconds, 32, run.loadCpu);
  await target.stop();
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) return null;
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
  return { label: run.label, file: relative(process.cwd(), join(profileDir, file)), ...summarise(profile, process.cwd()) };
}

function summarise(profile: CpuProfile, root: string): Omit<ProfileSummary, 'label' | 'file'> {
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
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
  const top = <T>(m: Map<string, number>, n: number, f: (k: string, us: number) => T) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => f(k, us));
  return {
    totalMs: total / 1000,
    topFunctions: top(byFunction, 15, (k, us) => {
      const [name, where] = k.split('\t');
      return { name: name!, where: where!, selfPct: pct(us) };
    }),
    topFiles: top(byFile, 12, (file, us) => ({ file, selfPct: pct(us) })),
  };
}
