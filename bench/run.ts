import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performanceDoc } from './doc.js';
import { writeWrkScript } from './load/wrk.js';
import { buildFusebox } from './lib/build.js';
import { profileFusebox, type ProfileSummary } from './lib/profile.js';
import { has } from './lib/proc.js';
import { FB1, FB1_QUIET, FB_FLEET, FB_TRANSLATED, KEYS_10, KEYS_10K, PT } from './names.js';
import { gcFlagSuite } from './gc-flag.js';
import { tables, textTable, verdictTable, verdicts, type Figures } from './report.js';
import { streamCpuSuite } from './streams-cpu.js';
import { clusterSuite } from './cluster.js';
import { costSuite } from './cost-suite.js';
import { categorySuite } from './cpu-categories.js';
import { idleSuite } from './idle.js';
import { latencySuite, rssSuite, sseSuite, startupSuite, throughputSuite, type Plan } from './suites.js';
import { startFusebox, startNginx, startPassthrough, startUpstream, type FuseboxShape, type Target } from './servers/targets.js';

/**
 * `npm run bench [-- --quick] [--only throughput,profile,latency,sse,resume,gc,rss,startup,idle,cost,credentials,cluster] [--tree]`:
 * builds fusebox (HEAD, or the working tree with --tree), runs every suite against the same
 * upstream, prints the figures and writes docs/performance.md (not with --only or --no-write).
 * The CPU profile by category (`profile`) runs whenever `throughput` does, read beside it;
 * --no-profile leaves it out, and the by-function profiles of missed targets too.
 * Not part of `npm test`.
 */
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    only: { type: 'string' },
    'no-write': { type: 'boolean' },
    'no-profile': { type: 'boolean' },
    tree: { type: 'boolean' },
  },
});
const quick = values.quick === true;
const only = values.only ? new Set(values.only.split(',')) : null;
const profiling = values['no-profile'] !== true;
const wants = (suite: string) => only === null || only.has(suite) || (suite === 'profile' && only.has('throughput'));
const say = (line: string) => process.stdout.write(`${line}\n`);

const SHAPES: Record<string, FuseboxShape> = {
  [FB1]: { backends: 1, baseUrls: 1, credentials: 1 },
  [FB_FLEET]: { backends: 4, baseUrls: 3, credentials: 50 },
  [FB_TRANSLATED]: { backends: 1, baseUrls: 1, credentials: 1, kind: 'anthropic' },
  [KEYS_10]: { backends: 1, baseUrls: 1, credentials: 10 },
  [KEYS_10K]: { backends: 1, baseUrls: 1, credentials: 10_000 },
  'many-keys': { backends: 1, baseUrls: 1, credentials: 10_000 },
};

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg()[0]!;
  const twoCores = cpus().length >= 2 && has('taskset');
  const [loadCpu, proxyCpu] = twoCores ? [0, 1] : [null, null];
  const pinned = twoCores
    ? 'load generator and upstream pinned to CPU 0, the proxy under test to CPU 1 (taskset)'
    : 'NOT pinned (needs taskset and ≥ 2 cores): figures are noisier';
  const skipped: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-bench-'));
  const hasWrk = has('wrk');
  if (!hasWrk) skipped.push('wrk not installed (apt-get install wrk): no closed-loop throughput, CPU per request or profiles');
  const build = buildFusebox(values.tree ? 'tree' : 'head', dir, say);
  const upstream = await startUpstream(loadCpu);
  const plan: Plan = {
    rounds: quick ? 1 : 3,
    seconds: quick ? 2 : 5,
    loadCpu,
    proxyCpu,
    dir,
    wrkScript: hasWrk ? writeWrkScript(dir) : null,
    origin: upstream.origin,
    root: build.root,
  };
  say(`${pinned}; ${plan.rounds} round(s) of ${plan.seconds} s`);
  const targets: Target[] = [upstream];
  const figures: Figures & Record<string, unknown> = {};
  const profiles: ProfileSummary[] = [];
  try {
    targets.push(await startPassthrough(proxyCpu, upstream.origin));
    const nginx = await startNginx(proxyCpu, upstream.origin, dir);
    if (nginx) targets.push(nginx);
    else skipped.push('nginx not installed (apt-get install nginx-light): no C reference');
    for (const name of [FB1, FB_FLEET, FB_TRANSLATED])
      targets.push(await startFusebox({ name, shape: SHAPES[name]!, origin: upstream.origin, dir, cpu: proxyCpu, root: build.root }));
    await runSuites(targets, plan, figures, hasWrk);
    if (hasWrk && profiling) await profileMisses(figures, plan, profiles);
  } finally {
    for (const target of targets.reverse()) await target.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
  report(figures, profiles, {
    quick,
    rounds: plan.rounds,
    seconds: plan.seconds,
    pinned,
    skipped,
    startedAt,
    loadBefore,
    revision: build.revision,
    elapsedS: (Date.now() - startedAt.getTime()) / 1000,
  });
}

async function runSuites(targets: Target[], plan: Plan, figures: Record<string, unknown>, hasWrk: boolean): Promise<void> {
  const suites: [string, boolean, () => Promise<unknown>][] = [
    ['throughput', hasWrk, () => throughputWithQuietLog(targets, plan)],
    ['profile', hasWrk && profiling, () => categorySuite(plan, quick ? 3 : 5)],
    ['latency', true, () => latencySuite(targets, plan)],
    ['sse', true, () => sseSuite(targets, plan)],
    ['resume', true, () => streamCpuSuite(plan)],
    ['gc', hasWrk, () => gcFlagSuite(plan, quick ? 2 : 6)],
    ['rss', true, () => rssSuite(plan)],
    ['startup', true, () => startupSuite(plan)],
    ['idle', true, () => idleSuite(plan, quick ? 3 : 10)],
    ['cost', true, () => costSuite(plan, quick, say)],
    ['credentials', hasWrk, () => credentialsSuite(plan)],
    ['cluster', true, () => clusterSuite(quick)],
  ];
  for (const [name, possible, run] of suites) {
    if (!wants(name)) continue;
    if (!possible) {
      say(`skipping ${name}: ${hasWrk ? '--no-profile' : 'wrk is not installed'}`);
      continue;
    }
    const started = Date.now();
    say(`running ${name} …`);
    try {
      figures[name] = await run();
      say(`  ${name} done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } catch (error) {
      say(`  ${name} FAILED: ${(error as Error).message}`);
    }
  }
}

/** Throughput, plus fusebox 1×1×1 at log level warn: what the per-request log line costs. */
async function throughputWithQuietLog(targets: Target[], plan: Plan) {
  const quiet = await startFusebox({
    name: FB1_QUIET,
    shape: SHAPES[FB1]!,
    origin: plan.origin,
    dir: plan.dir,
    cpu: plan.proxyCpu,
    root: plan.root,
    logLevel: 'warn',
  });
  try {
    return await throughputSuite([...targets, quiet], plan);
  } finally {
    await quiet.stop();
  }
}

async function credentialsSuite(plan: Plan) {
  const targets: Target[] = [];
  try {
    for (const name of [KEYS_10, KEYS_10K])
      targets.push(await startFusebox({ name, shape: SHAPES[name]!, origin: plan.origin, dir: plan.dir, cpu: plan.proxyCpu, root: plan.root }));
    return await throughputSuite(targets, plan);
  } finally {
    for (const target of targets) await target.stop();
  }
}

async function profileMisses(figures: Figures, plan: Plan, profiles: ProfileSummary[]): Promise<void> {
  const missed = new Set(
    verdicts(figures)
      .filter((v) => v.ok === false && v.profile)
      .map((v) => v.profile!),
  );
  const shapes = {
    one: [FB1, SHAPES[FB1]!],
    fleet: [FB_FLEET, SHAPES[FB_FLEET]!],
    'many-keys': [KEYS_10K, SHAPES[KEYS_10K]!],
    start: ['start with 10,000 credentials', SHAPES[KEYS_10K]!],
  } as const;
  for (const key of missed) {
    const [label, shape] = shapes[key];
    const seconds = key === 'start' ? 0 : quick ? 3 : 6;
    say(`profiling ${label} (a target was missed) …`);
    try {
      const summary = await profileFusebox({
        label,
        shape,
        origin: plan.origin,
        dir: join(tmpdir(), 'fusebox-bench-profiles'),
        root: plan.root,
        proxyCpu: plan.proxyCpu,
        loadCpu: plan.loadCpu,
        wrkScript: plan.wrkScript!,
        seconds,
      });
      if (summary) profiles.push(summary);
    } catch (error) {
      say(`  profile FAILED: ${(error as Error).message}`);
    }
  }
}

function report(figures: Figures, profiles: ProfileSummary[], info: Parameters<typeof performanceDoc>[3]): void {
  say('');
  for (const { title, table } of tables(figures)) say(`${title}\n${textTable(table)}\n`);
  const list = verdicts(figures);
  say(`Targets (ratios against ${PT} of this run)\n${textTable(verdictTable(list))}\n`);
  for (const p of profiles) {
    say(`Profile ${p.label}: top self time`);
    for (const t of p.topFunctions.slice(0, 8)) say(`  ${t.selfPct.toFixed(1).padStart(5)}%  ${t.name}  ${t.where}`);
  }
  for (const line of info.skipped) say(`skipped: ${line}`);
  if (only !== null || values['no-write']) {
    say('docs/performance.md not written (--only or --no-write).');
    return;
  }
  writeFileSync('docs/performance.md', performanceDoc(figures, list, profiles, info));
  say('wrote docs/performance.md');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
