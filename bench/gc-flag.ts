import { alternate, median, throughput, warmUp } from './lib/measure.js';
import { f, times } from './lib/paired.js';
import { FB1, GC_FLAG, PT } from './names.js';
import { startFusebox, startPassthrough, type Target } from './servers/targets.js';
import type { Plan } from './suites.js';

/**
 * What V8's garbage-collector helper threads cost a process pinned to one core: fusebox 1×1×1
 * and the pass-through, each twice, with and without GC_FLAG, under the throughput suite's wrk
 * load. All four are warmed up, then measured in alternated rounds (A B C D, rotated); a ratio is
 * the flagged process's CPU per request ÷ its default twin's in the same round, and the figure is
 * the median of the rounds. A diagnostic: no target is judged on it (the targets are judged on
 * default processes).
 */
export interface GcFlagFigure {
  readonly defaultUs: number;
  readonly flaggedUs: number;
  /** Flagged ÷ default, per round. */
  readonly rounds: readonly number[];
}

const SECONDS = 2;

export async function gcFlagSuite(plan: Plan, rounds: number): Promise<Map<string, GcFlagFigure>> {
  if (!plan.wrkScript) return new Map();
  const script = plan.wrkScript;
  const fusebox = (name: string, nodeFlags: string[]) =>
    startFusebox({
      name,
      shape: { backends: 1, baseUrls: 1, credentials: 1 },
      origin: plan.origin,
      dir: plan.dir,
      cpu: plan.proxyCpu,
      root: plan.root,
      nodeFlags,
    });
  const twins: [string, () => Promise<Target>, () => Promise<Target>][] = [
    [FB1, () => fusebox('gc-default', []), () => fusebox('gc-flagged', [GC_FLAG])],
    [PT, () => startPassthrough(plan.proxyCpu, plan.origin), () => startPassthrough(plan.proxyCpu, plan.origin, [GC_FLAG])],
  ];
  const targets = new Map<string, Target>();
  try {
    for (const [name, plain, flagged] of twins) {
      targets.set(`${name} default`, await plain());
      targets.set(`${name} flagged`, await flagged());
    }
    for (const target of targets.values()) await warmUp(target, script, plan.loadCpu);
    const cpu = await alternate([...targets.keys()], rounds, async (key) => {
      const { cpuUsPerRequest } = await throughput(targets.get(key)!, script, SECONDS, plan.loadCpu);
      return cpuUsPerRequest ?? NaN;
    });
    const out = new Map<string, GcFlagFigure>();
    for (const [name] of twins) {
      const plain = cpu.get(`${name} default`)!;
      const flagged = cpu.get(`${name} flagged`)!;
      out.set(name, { defaultUs: median(plain), flaggedUs: median(flagged), rounds: flagged.map((us, i) => us / plain[i]!) });
    }
    return out;
  } finally {
    for (const target of targets.values()) await target.stop();
  }
}

export function gcFlagTable(fig: ReadonlyMap<string, GcFlagFigure>) {
  return {
    title: `CPU per request with ${GC_FLAG} ÷ without, each process pinned to one core (wrk, 32 connections; alternated ${SECONDS} s rounds; a diagnostic, no target)`,
    table: {
      head: ['target', 'default µs/req', `${GC_FLAG} µs/req`, 'ratio (median of rounds)', 'rounds'],
      rows: [...fig].map(([name, g]) => [
        name,
        f(g.defaultUs, 0),
        f(g.flaggedUs, 0),
        times(median(g.rounds)),
        g.rounds.map((r) => times(r)).join(', '),
      ]),
    },
  };
}
