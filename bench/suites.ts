import { alternate, median, openLoop, throughput, warmUp, type Throughput } from './lib/measure.js';
import { rssBytes, sleep } from './lib/proc.js';
import { startFusebox, startPassthrough, type FuseboxShape, type Target } from './servers/targets.js';

/**
 * The bench's suites. Each takes running targets (or starts its own), alternates them over
 * `rounds`, and returns medians. Durations are in seconds.
 */
export interface Plan {
  readonly rounds: number;
  readonly seconds: number;
  readonly loadCpu: number | null;
  readonly proxyCpu: number | null;
  readonly dir: string;
  readonly wrkScript: string | null;
  readonly origin: string;
  /** Where the fusebox under test was built (holds dist/src/cli/main.js). */
  readonly root: string;
}

export interface ThroughputFigure {
  readonly rps: number;
  readonly cpuUs: number | null;
  readonly errors: number;
  /** Each round's figures, in round order, for comparisons round by round (report.ts). */
  readonly byRound?: { readonly rps: readonly number[]; readonly cpuUs: readonly (number | null)[] };
}

export async function throughputSuite(targets: readonly Target[], plan: Plan): Promise<Map<string, ThroughputFigure>> {
  const script = plan.wrkScript!;
  const byName = new Map(targets.map((t) => [t.name, t]));
  for (const target of targets) await warmUp(target, script, plan.loadCpu);
  const runs = await alternate([...byName.keys()], plan.rounds, (name) => throughput(byName.get(name)!, script, plan.seconds, plan.loadCpu));
  return summariseThroughput(runs);
}

function summariseThroughput(runs: Map<string, Throughput[]>): Map<string, ThroughputFigure> {
  const out = new Map<string, ThroughputFigure>();
  for (const [name, list] of runs) {
    const cpu = list.map((r) => r.cpuUsPerRequest).filter((v): v is number => v !== null);
    out.set(name, {
      rps: median(list.map((r) => r.rps)),
      cpuUs: cpu.length > 0 ? median(cpu) : null,
      errors: list.reduce((sum, r) => sum + r.errors, 0),
      byRound: { rps: list.map((r) => r.rps), cpuUs: list.map((r) => r.cpuUsPerRequest) },
    });
  }
  return out;
}

export interface LatencyFigure {
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly byRound?: { readonly p99: readonly number[] };
}

interface RateResult {
  errors: number;
  latencyMs: { p50: number; p99: number };
}

export async function latencySuite(targets: readonly Target[], plan: Plan, rate = 200): Promise<Map<string, LatencyFigure>> {
  const byName = new Map(targets.map((t) => [t.name, t]));
  const runs = await alternate([...byName.keys()], plan.rounds, (name) =>
    openLoop<RateResult>(
      ['--mode', 'rate', '--url', byName.get(name)!.url, '--rate', String(rate), '--duration', String(plan.seconds)],
      plan.loadCpu,
      (plan.seconds + 30) * 1000,
    ),
  );
  const out = new Map<string, LatencyFigure>();
  for (const [name, list] of runs) {
    out.set(name, {
      p50: median(list.map((r) => r.latencyMs.p50)),
      p99: median(list.map((r) => r.latencyMs.p99)),
      errors: list.reduce((sum, r) => sum + r.errors, 0),
      byRound: { p99: list.map((r) => r.latencyMs.p99) },
    });
  }
  return out;
}

export interface SseFigure {
  readonly firstChunkP50: number;
  readonly firstChunkP99: number;
  readonly totalP99: number;
  readonly errors: number;
  readonly byRound?: { readonly firstChunkP50: readonly number[] };
}

interface SseResult {
  errors: number;
  firstChunkMs: { p50: number; p99: number };
  totalMs: { p99: number };
}

export async function sseSuite(targets: readonly Target[], plan: Plan): Promise<Map<string, SseFigure>> {
  const byName = new Map(targets.map((t) => [t.name, t]));
  const args = (name: string) => [
    '--mode',
    'sse',
    '--url',
    byName.get(name)!.url,
    '--streams',
    '32',
    '--model',
    'bench-sse-20x5',
    '--duration',
    String(plan.seconds),
  ];
  const runs = await alternate([...byName.keys()], plan.rounds, (name) => openLoop<SseResult>(args(name), plan.loadCpu, (plan.seconds + 30) * 1000));
  const out = new Map<string, SseFigure>();
  for (const [name, list] of runs) {
    out.set(name, {
      firstChunkP50: median(list.map((r) => r.firstChunkMs.p50)),
      firstChunkP99: median(list.map((r) => r.firstChunkMs.p99)),
      totalP99: median(list.map((r) => r.totalMs.p99)),
      errors: list.reduce((sum, r) => sum + r.errors, 0),
      byRound: { firstChunkP50: list.map((r) => r.firstChunkMs.p50) },
    });
  }
  return out;
}

export interface RssFigure {
  readonly idleMB: number;
  readonly peakMB: number;
  /** RSS a second after the last stream began receiving, every stream still open. */
  readonly heldMB: number;
  readonly streaming: number;
  readonly errors: number;
}

/**
 * Fresh processes (so earlier suites do not inflate the peak): 1,000 streams opened at once and
 * held until all are receiving (then one second more) or `hold` seconds have passed (each
 * upstream stream lasts longer than that); peak RSS (VmHWM) of the tree, RSS of the process at the
 * end of the hold (read by the load generator, every stream still open), and how many streams
 * were actually receiving. The peak comes during the burst of 1,000 connections
 * arriving at once (native memory given back a moment later, mostly V8 compiling undici's parser
 * once it is hot: bench/hot-path-shape.ts; the pass-through shows it too) and moves with when that happens, so each target is measured in at least 3 alternated
 * rounds and the medians are reported.
 */
export async function rssSuite(plan: Plan, streams = 1000): Promise<Map<string, RssFigure>> {
  const shape: FuseboxShape = { backends: 1, baseUrls: 1, credentials: 1, maxConcurrent: streams + 100 };
  const starters: Record<string, () => Promise<Target>> = {
    'pass-through': () => startPassthrough(plan.proxyCpu, plan.origin),
    'fusebox 1×1×1': () => startFusebox({ name: 'rss', shape, origin: plan.origin, dir: plan.dir, cpu: plan.proxyCpu, root: plan.root }),
  };
  const hold = Math.max(10, plan.seconds * 3);
  const runs = await alternate(Object.keys(starters), Math.max(3, plan.rounds), async (name) => {
    const target = await starters[name]!();
    try {
      await sleep(500);
      const idle = rssBytes(target.pid!);
      const model = `bench-sse-${hold * 20 + 400}x50`;
      const args = ['--mode', 'hold', '--url', target.url, '--streams', String(streams), '--model', model, '--duration', String(hold)];
      const held = await openLoop<{ streaming: number; errors: number; heldRssBytes: number }>(
        [...args, '--pid', String(target.pid!)],
        plan.loadCpu,
        (hold + 60) * 1000,
      );
      const { heldRssBytes, ...result } = held;
      return { idleMB: idle / 2 ** 20, peakMB: rssBytes(target.pid!, 'VmHWM') / 2 ** 20, heldMB: heldRssBytes / 2 ** 20, ...result };
    } finally {
      await target.stop();
    }
  });
  const out = new Map<string, RssFigure>();
  for (const [name, list] of runs) {
    out.set(name, {
      idleMB: median(list.map((r) => r.idleMB)),
      peakMB: median(list.map((r) => r.peakMB)),
      heldMB: median(list.map((r) => r.heldMB)),
      streaming: Math.min(...list.map((r) => r.streaming)),
      errors: list.reduce((sum, r) => sum + r.errors, 0),
    });
  }
  return out;
}

export interface StartupFigure {
  readonly credentials: number;
  readonly readyMs: number;
}

/** Time from spawn to a /healthz answer, with 10 and with 10,000 credentials (alternated). */
export async function startupSuite(plan: Plan): Promise<StartupFigure[]> {
  const shapes: Record<string, FuseboxShape> = {
    '10': { backends: 1, baseUrls: 1, credentials: 10 },
    '10000': { backends: 1, baseUrls: 1, credentials: 10_000 },
  };
  const runs = await alternate(Object.keys(shapes), Math.max(3, plan.rounds), async (key) => {
    const target = await startFusebox({
      name: `start-${key}`,
      shape: shapes[key]!,
      origin: plan.origin,
      dir: plan.dir,
      cpu: plan.proxyCpu,
      root: plan.root,
    });
    await target.stop();
    return target.readyMs;
  });
  return [...runs].map(([key, list]) => ({ credentials: Number(key), readyMs: median(list) }));
}
