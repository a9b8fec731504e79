import type { CostFigure } from './cost-suite.js';
import type { CategoryProfile } from './cpu-categories.js';
import { idleCpu, SETTLE_MS, type IdleFigure } from './idle.js';
import { CATEGORIES } from './lib/categories.js';
import { f, times } from './lib/paired.js';
import { FB1, FB_FLEET, PT } from './names.js';
import type { Figures, Verdict } from './report.js';

/**
 * The tables and the verdict of "the cost of a request": the CPU profile by category (fusebox
 * against the pass-through), CPU and wake-ups while idle, and the counted per-request costs.
 */
type Table = { head: string[]; rows: string[][] };

export const IDLE_LIMIT = 2;

export function idleVerdicts(fig: Figures): Verdict[] {
  const fb = fig.idle?.get(FB1);
  const pt = fig.idle?.get(PT);
  if (!fb || !pt) return [];
  const [mine, base] = [idleCpu(fb), idleCpu(pt)];
  const ratio = base > 0 ? mine / base : mine > 0 ? Infinity : 1;
  const measured = `${Number.isFinite(ratio) ? times(ratio) : '∞'} (${f(mine, 3)} vs ${f(base, 3)} ms per s; wake-ups ${f(fb.wakeupsPerS, 1)} vs ${f(pt.wakeupsPerS, 1)} per s)`;
  return [
    {
      target: `${FB1} CPU per idle second ≤ ${f(IDLE_LIMIT, 0)}× pass-through`,
      measured,
      ok: ratio <= IDLE_LIMIT,
      miss: Number.isFinite(ratio) ? `${f(ratio - IDLE_LIMIT)}× over` : 'the pass-through used no CPU at all while idle, so any periodic work misses',
    },
  ];
}

export function costTables(fig: Figures): { title: string; table: Table }[] {
  const out: { title: string; table: Table }[] = [];
  const [fb, pt] = [fig.profile?.get(FB1), fig.profile?.get(PT)];
  if (fb && pt) out.push(categoryTable(fb, pt, fig), ownFolderTable(fb, pt), nodeAskerTable(fb, pt), nodeFunctionTable(fb, pt));
  if (fig.idle) out.push(idleTable(fig.idle));
  if (fig.cost) out.push(costTable(fig.cost));
  return out;
}

/** µs per request of `us` in profile `p`. */
const perRequest = (p: CategoryProfile, us: number | undefined) => (us ?? 0) / Math.max(1, p.requests);

function categoryTable(fb: CategoryProfile, pt: CategoryProfile, fig: Figures): { title: string; table: Table } {
  const pct = (p: CategoryProfile, us: number) => f((100 * us) / Math.max(1, p.busyUs), 1);
  const row = (label: string, a: number, b: number) => [
    label,
    pct(fb, a),
    f(perRequest(fb, a), 1),
    pct(pt, b),
    f(perRequest(pt, b), 1),
    f(perRequest(fb, a) - perRequest(pt, b), 1),
  ];
  const rows = CATEGORIES.filter((c) => fb.byCategory[c] > 0 || pt.byCategory[c] > 0).map((c) => row(c, fb.byCategory[c], pt.byCategory[c]));
  rows.push(row('busy, all categories', fb.busyUs, pt.busyUs));
  const unprofiled = [fig.throughput?.get(FB1)?.cpuUs, fig.throughput?.get(PT)?.cpuUs];
  if (unprofiled[0] && unprofiled[1]) {
    const [a, b] = unprofiled as [number, number];
    rows.push(['(for scale) proxy CPU without the profiler, throughput suite', '', f(a, 1), '', f(b, 1), f(a - b, 1)]);
  }
  const rps = (p: CategoryProfile) => f(p.requests / (p.windowUs / 1e6), 0);
  return {
    title:
      `Where the CPU goes: ${FB1} and the pass-through under node --cpu-prof by category (% of busy samples; µs per request = ` +
      `busy profile time ÷ requests completed in the profiled window of ${f(fb.windowUs / 1e6, 1)} s: ${fb.requests} at ${rps(fb)} req/s ` +
      `and ${pt.requests} at ${rps(pt)} req/s)`,
    table: {
      head: ['category', 'fusebox %', 'fusebox µs/req', 'pass-through %', 'pass-through µs/req', 'fusebox − pass-through µs'],
      rows,
    },
  };
}

/** The `fusebox files` row of the category table, split by source folder: what is left of fusebox's own work, and where. */
function ownFolderTable(fb: CategoryProfile, pt: CategoryProfile): { title: string; table: Table } {
  const per = (us: number) => f(perRequest(fb, us), 1);
  const pct = (us: number) => f((100 * us) / Math.max(1, fb.busyUs), 1);
  const rows = Object.entries(fb.ownByFolder)
    .sort((a, b) => b[1] - a[1])
    .map(([folder, us]) => [folder, per(us), pct(us)]);
  const own = fb.byCategory['fusebox files'];
  rows.push(['all fusebox files', per(own), pct(own)]);
  const gap = perRequest(fb, fb.busyUs) - perRequest(pt, pt.busyUs);
  return {
    title:
      `fusebox's own code by folder: the self time of ${FB1}'s \`src/\` functions in the profile above (µs per request, % of its busy ` +
      `samples; logging and metrics files are in their own rows above); the whole gap to the pass-through there is ${f(gap, 1)} µs per request`,
    table: { head: ['folder', 'µs/req', '% of busy'], rows },
  };
}

/** A split both profiles have, key by key: fusebox's and the pass-through's µs per request and their difference, the largest difference first. */
function splitRows(
  fb: CategoryProfile,
  pt: CategoryProfile,
  mine: Readonly<Record<string, number>>,
  base: Readonly<Record<string, number>>,
): { key: string; fb: number; pt: number; gap: number }[] {
  return [...new Set([...Object.keys(mine), ...Object.keys(base)])]
    .map((key) => {
      const [a, b] = [perRequest(fb, mine[key]), perRequest(pt, base[key])];
      return { key, fb: a, pt: b, gap: a - b };
    })
    .sort((x, y) => y.gap - x.gap);
}

/** The `node` row of the category table by what asked for the time: work another category's code asks node for, and the event loop's own. */
function nodeAskerTable(fb: CategoryProfile, pt: CategoryProfile): { title: string; table: Table } {
  const rows = splitRows(fb, pt, fb.nodeByAsker, pt.nodeByAsker).map((row) => [row.key, f(row.fb, 1), f(row.pt, 1), f(row.gap, 1)]);
  const [mine, base] = [perRequest(fb, fb.byCategory.node), perRequest(pt, pt.byCategory.node)];
  rows.push(['all node', f(mine, 1), f(base, 1), f(mine - base, 1)]);
  return {
    title:
      `node's time by what asked for it: the \`node\` row above split by the category of the nearest caller outside node ` +
      `(µs per request; the event loop's own time is its callbacks, microtask and tick queues, timers and V8's \`(program)\`)`,
    table: { head: ['asked by', 'fusebox µs/req', 'pass-through µs/req', 'fusebox − pass-through µs'], rows },
  };
}

const NODE_FUNCTIONS = 12;

/** The node functions whose self time differs most between the two profiles. */
function nodeFunctionTable(fb: CategoryProfile, pt: CategoryProfile): { title: string; table: Table } {
  const rows = splitRows(fb, pt, fb.nodeByFunction, pt.nodeByFunction)
    .slice(0, NODE_FUNCTIONS)
    .map((row) => [`\`${row.key}\``, f(row.fb, 2), f(row.pt, 2), f(row.gap, 2)]);
  return {
    title: `The ${NODE_FUNCTIONS} node functions with the most self time in ${FB1} beyond the pass-through's (µs per request, profiles above)`,
    table: { head: ['function', 'fusebox µs/req', 'pass-through µs/req', 'fusebox − pass-through µs'], rows },
  };
}

function idleTable(fig: ReadonlyMap<string, IdleFigure>): { title: string; table: Table } {
  const window = f([...fig.values()][0]?.windowS, 1);
  return {
    title: `Idle: CPU and wake-ups of a fresh process that has served nothing (${window} s window, starting ${f(SETTLE_MS / 1000, 0)} s after it answered; all threads)`,
    table: {
      head: ['target', 'CPU ms per idle s (schedstat)', 'CPU ms per idle s (utime+stime)', 'wake-ups per s', 'threads'],
      rows: [...fig].map(([name, i]) => [name, f(i.runMsPerS, 3), f(i.cpuMsPerS, 1), f(i.wakeupsPerS, 1), String(i.threads)]),
    },
  };
}

function costTable(fig: CostFigure): { title: string; table: Table } {
  const pt = fig.passthrough;
  const shapes = [FB1, FB_FLEET].filter((name) => fig.fusebox.has(name));
  const measures = [
    ['promises', 'promises', 1],
    ['KB allocated (JS heap)', 'kb', 1],
    ['GCs per 1000 requests', 'gcsPer1000', 1],
  ] as const;
  const rows = measures.map(([label, key, digits]) => [
    label,
    f(pt[key], digits),
    ...shapes.flatMap((name) => {
      const value = fig.fusebox.get(name)![key];
      return [f(value, digits), pt[key] > 0 ? times(value / pt[key]) : '–'];
    }),
  ]);
  return {
    title: `Per request, counted (${fig.requests} requests after a warm-up, 16 at a time; bench/lib/cost-hooks.mjs preloaded)`,
    table: { head: ['measure', 'pass-through', ...shapes.flatMap((name) => [name, '× pass-through'])], rows },
  };
}
