import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSourceMapper } from './source-map.js';

/**
 * A `node --cpu-prof` profile cut to a time window and summed by category: where a process's
 * busy time goes (its own code, Node, undici, GC, logging, metrics, other libraries). Idle
 * samples are counted apart and belong to no category.
 */
export interface CpuProfile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export const CATEGORIES = [
  'fusebox files',
  "pass-through's own code",
  'node',
  'undici',
  'GC',
  'logging',
  'metrics',
  'other libraries',
  'unattributed',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** What asked for node time that no JavaScript outside node asked for. */
export const EVENT_LOOP = 'the event loop (no caller outside node)';

/** Packages whose time is logging: pino and what it loads. */
const LOGGING_PACKAGES =
  /^(pino(-[\w-]+)?|@pinojs\/[\w-]+|sonic-boom|thread-stream|quick-format-unescaped|atomic-sleep|on-exit-leak-free|safe-stable-stringify|fast-redact|real-require)$/;
/** Packages whose time is metrics: prom-client and what it loads. */
const METRICS_PACKAGES = /^(prom-client|tdigest|bintrees)$/;
const LOGGING_FILES = /^src\/(shared\/log[^/]*|app\/request-line)\.ts$/;
const METRICS_FILES = /^src\/http\/admin\/(metrics|token-metrics|prom-parts)\.ts$/;
const OWN_PASSTHROUGH = /^bench\/servers\/passthrough\.ts$/;

/**
 * The category of one profile node, from its function name and its position as the source
 * mapper gives it (`src/…:line`, `node_modules/<pkg>/…:line`, `node:…`, `(native)`, `wasm://…`);
 * null for idle. A fusebox file that logs or counts metrics is logging or metrics, not fusebox.
 * WebAssembly is undici's (its HTTP parser, llhttp, is the only WebAssembly running under load).
 */
export function categoryOf(functionName: string, where: string): Category | null {
  if (functionName === '(idle)') return null;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)' || functionName === '(root)') return 'node';
  if (where.startsWith('wasm://') || /^(GenericJSToWasmWrapper|js-to-wasm)/.test(functionName)) return 'undici';
  const file = where.replace(/:\d+$/, '');
  const dependency = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (dependency) {
    const name = dependency[1]!;
    if (name === 'undici') return 'undici';
    if (LOGGING_PACKAGES.test(name)) return 'logging';
    if (METRICS_PACKAGES.test(name)) return 'metrics';
    return 'other libraries';
  }
  const source = sourceFile(file);
  if (source.startsWith('src/')) {
    if (LOGGING_FILES.test(source)) return 'logging';
    if (METRICS_FILES.test(source)) return 'metrics';
    return 'fusebox files';
  }
  if (OWN_PASSTHROUGH.test(source)) return "pass-through's own code";
  if (file.startsWith('node:') || file === '(native)' || file === '') return 'node';
  return 'unattributed';
}

/** A built file as its source (`dist/src/a/b.js` → `src/a/b.ts`); any other file as it is. */
function sourceFile(file: string): string {
  return file.replace(/^dist\/(src\/.*)\.js$/, '$1.ts');
}

/** The folder of a fusebox position (`src/routing/plan.ts:39` → `src/routing`), built or not. */
function sourceFolder(where: string): string {
  const source = sourceFile(where.replace(/:\d+$/, ''));
  return source.slice(0, source.lastIndexOf('/'));
}

export interface CategorySummary {
  /** Busy (non-idle) µs per category within the window. */
  readonly byCategory: Readonly<Record<Category, number>>;
  /** The `fusebox files` category's µs split by source folder (`src/routing`, `src/http/server`, …). */
  readonly ownByFolder: Readonly<Record<string, number>>;
  /**
   * The `node` category's µs by what asked for it: the category of the nearest caller outside
   * node (`fusebox files`, `undici`, …), or `EVENT_LOOP` when there is none (libuv callbacks,
   * microtask and tick queues, timers, V8's own `(program)` time).
   */
  readonly nodeByAsker: Readonly<Record<string, number>>;
  /** The `node` category's µs by function (`name position`, the same key in any process). */
  readonly nodeByFunction: Readonly<Record<string, number>>;
  readonly busyUs: number;
  readonly idleUs: number;
}

/**
 * Sums the self time of the samples taken between `fromUs` and `toUs` (the profile's clock:
 * CLOCK_MONOTONIC in µs, the clock of `process.hrtime`) by category. `root` is where the
 * profiled code's source maps resolve (paths are reported relative to it).
 */
export function summariseByCategory(profile: CpuProfile, root: string, fromUs: number, toUs: number): CategorySummary {
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= fromUs && at <= toUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const map = createSourceMapper(root);
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const ownByFolder: Record<string, number> = {};
  const nodeByAsker: Record<string, number> = {};
  const nodeByFunction: Record<string, number> = {};
  const add = (into: Record<string, number>, key: string, us: number) => (into[key] = (into[key] ?? 0) + us);
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const whereOf = (callFrame: CpuProfile['nodes'][number]['callFrame']) =>
    callFrame.url ? map(callFrame.url, callFrame.lineNumber, callFrame.columnNumber) : '(native)';
  /** Each profile node's position and category, worked out once (callers are looked at for many nodes). */
  const placed = new Map<number, { where: string; category: Category | null }>();
  const placeOf = (id: number) => {
    let place = placed.get(id);
    if (place === undefined) {
      const { callFrame } = byId.get(id)!;
      const where = whereOf(callFrame);
      place = { where, category: categoryOf(callFrame.functionName, where) };
      placed.set(id, place);
    }
    return place;
  };
  /** The category of the nearest caller of node `id` that is neither node nor idle. */
  const askerOf = (id: number): string => {
    for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
      const { category } = placeOf(up);
      if (category !== null && category !== 'node') return category;
    }
    return EVENT_LOOP;
  };
  let busyUs = 0;
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName } = node.callFrame;
    const { where, category } = placeOf(node.id);
    if (category === null) {
      idleUs += us;
      continue;
    }
    byCategory[category] += us;
    busyUs += us;
    if (category === 'fusebox files') {
      add(ownByFolder, sourceFolder(where), us);
    } else if (category === 'node') {
      add(nodeByAsker, askerOf(node.id), us);
      add(nodeByFunction, `${functionName || '(anonymous)'} ${where.replace(/:\d+$/, '')}`, us);
    }
  }
  return { byCategory, ownByFolder, nodeByAsker, nodeByFunction, busyUs, idleUs };
}

/** The main thread's profile in `dir` (file names end `.<pid>.<thread>.<seq>.cpuprofile`; the main thread is 0). */
export function mainThreadProfile(dir: string): { file: string; profile: CpuProfile } | null {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  const file = files.find((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name)) ?? files[0];
  if (!file) return null;
  return { file: join(dir, file), profile: JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile };
}
