import { alternate, median, openLoop } from './lib/measure.js';
import { cpuMicros } from './lib/proc.js';
import { startFusebox, type Target } from './servers/targets.js';
import type { Plan } from './suites.js';

/**
 * Proxy CPU per streamed request with `streams.resume: true` (the default) and `false`, in the
 * same run, alternated round by round: what keeping a stream resumable costs when nothing
 * breaks. Both are fusebox 1×1×1; the load is the SSE suite's (32 concurrent streams of 20
 * chunks 5 ms apart), and CPU is utime+stime of the fusebox process per completed stream.
 */
export const RESUME_ON = 'fusebox 1×1×1, streams.resume true';
export const RESUME_OFF = 'fusebox 1×1×1, streams.resume false';

export interface StreamCpuFigure {
  readonly cpuUs: number;
  readonly streams: number;
  readonly errors: number;
  readonly byRound: { readonly cpuUs: readonly number[] };
}

interface SseCount {
  errors: number;
  totalMs: { n: number };
}

export async function streamCpuSuite(plan: Plan): Promise<Map<string, StreamCpuFigure>> {
  const targets = new Map<string, Target>();
  try {
    for (const [name, resume] of [
      [RESUME_ON, true],
      [RESUME_OFF, false],
    ] as const) {
      const shape = { backends: 1, baseUrls: 1, credentials: 1, resume };
      targets.set(
        name,
        await startFusebox({ name: `sse-${String(resume)}`, shape, origin: plan.origin, dir: plan.dir, cpu: plan.proxyCpu, root: plan.root }),
      );
    }
    for (const target of targets.values()) await streamed(target, plan, 1); // JIT warm-up
    const runs = await alternate([...targets.keys()], plan.rounds, (name) => streamed(targets.get(name)!, plan, plan.seconds));
    const out = new Map<string, StreamCpuFigure>();
    for (const [name, list] of runs) {
      const cpu = list.map((r) => r.cpuUs);
      out.set(name, {
        cpuUs: median(cpu),
        streams: list.reduce((sum, r) => sum + r.streams, 0),
        errors: list.reduce((sum, r) => sum + r.errors, 0),
        byRound: { cpuUs: cpu },
      });
    }
    return out;
  } finally {
    for (const target of targets.values()) await target.stop();
  }
}

async function streamed(target: Target, plan: Plan, seconds: number): Promise<{ cpuUs: number; streams: number; errors: number }> {
  const args = ['--mode', 'sse', '--url', target.url, '--streams', '32', '--model', 'bench-sse-20x5', '--duration', String(seconds)];
  const before = cpuMicros(target.pid!);
  const result = await openLoop<SseCount>(args, plan.loadCpu, (seconds + 30) * 1000);
  const after = cpuMicros(target.pid!);
  const streams = result.totalMs.n;
  return { cpuUs: streams > 0 ? (after - before) / streams : NaN, streams, errors: result.errors };
}
