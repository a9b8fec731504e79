import { cpus, loadavg, release, totalmem } from 'node:os';
import type { ProfileSummary } from './lib/profile.js';
import { markdownTable, profileMarkdown, tables, verdictTable, type Figures, type Verdict } from './report.js';
import { HOT_PATH_SHAPE } from './hot-path-shape.js';
import { SETTLE_MS } from './idle.js';

/** The Markdown of docs/performance.md, written by `npm run bench`. */
export interface RunInfo {
  readonly quick: boolean;
  readonly rounds: number;
  readonly seconds: number;
  readonly pinned: string;
  readonly skipped: readonly string[];
  readonly startedAt: Date;
  readonly elapsedS: number;
  /** 1-minute load average when the run began (other work on the machine skews figures). */
  readonly loadBefore: number;
  /** What was benchmarked (commit). */
  readonly revision: string;
}

export function machineLines(revision: string): string[] {
  const cpu = cpus();
  return [
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; Linux ${release()}`,
    `- Node ${process.version}; fusebox ${revision}`,
  ];
}

export function performanceDoc(fig: Figures, list: readonly Verdict[], profiles: readonly ProfileSummary[], info: RunInfo): string {
  const parts = [
    '# Performance',
    '',
    `Written by \`npm run bench${info.quick ? ' -- --quick' : ''}\` on ${info.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (${info.elapsedS.toFixed(0)} s). Do not edit by hand: run the bench again.`,
    '',
    '## Machine',
    '',
    ...machineLines(info.revision),
    `- ${info.pinned}`,
    `- 1-minute load average: ${info.loadBefore.toFixed(1)} when the run began, ${loadavg()[0]!.toFixed(1)} when it ended (other work on this machine inflates every figure; the ratios suffer less)`,
    '',
    '## Method',
    '',
    '- Everything on 127.0.0.1. The upstream is `src/demo/mock-upstream.ts` in its own process (JSON, or SSE',
    '  when the model is `bench-sse-<chunks>x<gapMs>`). Each target runs as its own process:',
    '  **direct** (no proxy), **pass-through** (`bench/servers/passthrough.ts`: node:http + one undici',
    '  `Pool.dispatch`, the floor of any Node proxy), **nginx** (one worker, keep-alive upstream, no',
    '  buffering, access log off), **fusebox 1×1×1** (one backend, one BaseURL, one key) and',
    '  **fusebox 4×3×50** (4 backends × 3 BaseURLs × 50 keys), both `node dist/src/cli/main.js start` at',
    '  the default log level (info; the log goes to /dev/null). **fusebox 1×1×1, log warn** (throughput only)',
    "  shows what the per-request log line costs; the gc suite (`bench/gc-flag.ts`) what V8's",
    '  garbage-collector helper threads cost a process pinned to one core (no target is judged on it).',
    '  **fusebox 1×1×1, translated** has an anthropic-kind',
    '  backend, so every OpenAI request is translated on the way up and its answer on the way back.',
    '- Closed loop: wrk, 1 thread, 32 connections, a small JSON chat completion. Open loop:',
    '  `bench/load/open-loop.ts` sends on a fixed schedule and measures from the scheduled time, so',
    '  queueing counts as latency. Proxy CPU is utime+stime of its process tree from /proc, divided by',
    '  the requests completed.',
    '- CPU profile by category: fusebox 1×1×1 and the pass-through, each a fresh process under',
    '  `node --cpu-prof` (main thread, 1 ms samples), the same wrk load for a warm-up (below), then a window',
    '  (its length in the table) whose samples are summed by where they ran (source-mapped): fusebox files (`src/`),',
    "  the pass-through's own file, node (`node:*` and native builtins, `(program)`), undici (its",
    '  WebAssembly HTTP parser included), GC, logging (pino and its packages, `src/shared/log*.ts`,',
    '  `src/app/request-line.ts`), metrics (prom-client, `src/http/admin/{metrics,token-metrics,prom-parts}.ts`),',
    '  other libraries (xstate, rxjs, …); idle left out. Self time: Node work a library asks for (a',
    '  socket write, `JSON.stringify`) counts as node. µs per request = busy profile time ÷ requests',
    '  completed in the window (the profiler adds its own overhead; threads other than the main one are',
    '  not sampled), so the unprofiled CPU per request of the throughput suite is shown beside it for scale.',
    `- Idle: fusebox 1×1×1 and the pass-through, fresh, never sent a request, from ${SETTLE_MS / 1000} s after both answer`,
    "  (past V8's memory reducer, a one-time burst of GC some seconds after a Node process starts: 16–17 s",
    '  after a fresh fusebox started on this machine, tens of ms of CPU on the main and helper threads);',
    '  over the same window (its length in the table), the time on a CPU of every thread of each process tree',
    '  (`/proc/<pid>/task/*/schedstat`, ns; utime+stime from `/proc/<pid>/stat` beside it, 10 ms ticks) and',
    "  the threads' context switches, voluntary and involuntary (wake-ups).",
    '- Counted per request (`bench/lib/cost.ts`, also `npm run bench:cost`): the pass-through, fusebox',
    '  1×1×1 and 4×3×50, each preloaded with `bench/lib/cost-hooks.mjs`, warmed up, then a window of',
    '  JSON requests (16 at a time; how many in the table) counted: promises created (async_hooks), bytes',
    '  allocated on the JS heap (freed by GC plus growth of the used heap) and GCs. Counts, not times:',
    "  they do not move with the machine's load.",
    '- Warm-up: before any closed-loop figure or profile, each target is loaded in 1 s wrk windows until',
    '  its CPU per request has settled (at least 3 windows, then until one is within 10% of the one',
    '  before, at most 15; `warmUp` in bench/lib/measure.ts): a fresh fusebox spends its first seconds',
    "  of load compiling, on V8's helper threads pinned to the same core, at several times its steady cost.",
    `- ${info.rounds} round(s) of ${info.seconds} s per figure, targets alternated (A B C …, rotated each`,
    '  round); each figure is the median over the rounds. Ratios are against the pass-through of the',
    '  same run, because on a shared machine absolute numbers drift between runs. A verdict compares',
    '  fusebox with its baseline round by round (the two ran back to back, so a slow spell of the',
    "  machine hits both) and takes the median of those comparisons; each round's is shown with it.",
    ...(info.skipped.length > 0 ? ['', '**Skipped in this run:**', '', ...info.skipped.map((s) => `- ${s}`)] : []),
    '',
    'How each target is read: **JSON CPU** = fusebox proxy CPU per request ÷ pass-through CPU per request',
    'at saturation (same protocol ≤ 1.5×, 1×1×1 and 4×3×50 within 10% of each other; translated, an',
    'OpenAI request to an anthropic-kind backend and back, ≤ 2.5×); **streams.resume** = proxy CPU per',
    'streamed request of fusebox 1×1×1 with `streams.resume: true` (the default) ÷ with `false`, two',
    'processes alternated under the SSE load, no stream broken (unchanged = within 10%);',
    '**p99** = fusebox p99 − pass-through p99 at a fixed 200 req/s; **SSE** = fusebox first-chunk p50 −',
    'pass-through first-chunk p50 (32 streams of 20 chunks 5 ms apart); **RSS** = peak resident memory',
    '(VmHWM) of the fusebox process with 1,000 client streams open at once (median of at least 3 fresh',
    'processes; the least number receiving is shown, valid only if all 1,000 were; RSS while all of',
    'them are open, a second after the last began receiving, is shown beside it); **start** =',
    'spawn to the first `/healthz` answer with one backend of 10,000',
    'credentials (Node start-up and YAML parsing included); **flat CPU** = proxy CPU per request with',
    '10,000 credentials ÷ with 10, one backend each; **idle CPU** = fusebox 1×1×1 CPU per idle second ÷',
    "the pass-through's (schedstat; ≤ 2×); **cluster** = three gateways in one process",
    '(`bench/cluster.ts`, one clock) and one redis-server on loopback: from a breaker opening on one to',
    'the last of the other two having it open, the worst of 200 rounds. For orientation, measured earlier on this machine:',
    'direct ≈ 17k req/s; nginx ≈ 13.8k req/s at 37 µs CPU per request; a plain undici pass-through ≈',
    '5.5k–9.5k req/s at 130–180 µs per request.',
    '',
    '## Targets',
    '',
    markdownTable(verdictTable(list), true),
    '',
    '## Figures',
    '',
  ];
  for (const { title, table } of tables(fig)) parts.push(`### ${title}`, '', markdownTable(table), '');
  parts.push(...HOT_PATH, ...HOT_PATH_SHAPE);
  if (profiles.length > 0) {
    parts.push('## Why: CPU profiles of missed targets', '');
    parts.push('Recorded with `node --cpu-prof` under the same wrk load; positions are mapped back to the TypeScript source.', '');
    for (const profile of profiles) parts.push(profileMarkdown(profile), '');
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

/**
 * What the figures cannot say by themselves: where a fusebox request spends what the
 * pass-through does not, and what has been done about it. Facts about the code, no figures,
 * so this stays true from run to run.
 */
const HOT_PATH = [
  '## Reading the misses',
  '',
  'The pass-through is node:http and one `Pool.dispatch`, nothing else; nginx is C. On top of the same',
  'two, a fusebox request is checked (Host, Origin, client key: a SHA-256 of the presented key),',
  'parsed (JSON, to find the model), planned (breaker admission of backend, pool and BaseURL,',
  'credential weights), sent with its own deadline and first-chunk timers, classified, reported to',
  'three actors, counted in five Prometheus series and logged in one JSON line. Each of those is',
  'a few microseconds; together they are what fusebox spends per request beyond the pass-through',
  "(the CPU ratio) on one core. The category table above shows where: fusebox's own functions (the",
  'table after it splits them by folder: none holds more than a small part, and no function more',
  'than about 2% of the samples), the garbage collector (fusebox allocates over twice the',
  "pass-through's bytes per request, and V8's parallel collector promotes far more of them at 32",
  'connections: see "Garbage collection at saturation" below and the gc table), logging, metrics and',
  'other libraries are time the pass-through does not spend at all. node is not all the same work in',
  "both: the table of what asked for node time separates what fusebox's code asks of it (JSON, buffers,",
  "headers, its response writes) and what undici asks, from the event loop's own time, which grows with",
  'the promises, timers and callbacks of each request; the table of node functions after it names',
  'them. Both also serve a different number of requests per second, and time a process spends per',
  'event-loop turn is shared by fewer requests when it serves fewer, so read those rows beside the',
  "req/s in the category table's title. What",
  'is left to reach 1.5× is that spread: fewer bytes and fewer steps across all of them, not one hot',
  'spot. A promise-free success path, proposed for it, is worth about 1% (see "Promises of the success path").',
  '',
  'What the hot path does not do (each was measured and removed):',
  '',
  '- no machine step per request for routine successes: successes of a closed breaker reach',
  '  their actor together, once per 10 ms window (`calls.succeeded`, see architecture.md);',
  '- no write per log line: lines are gathered in an array and written in batches (8 KiB or',
  '  100 ms), not appended to a string that is re-measured on every line; no path-based redaction that',
  '  re-parses its paths on every line (redaction is by field name, copy on write); the request line',
  '  (ids, codes and numbers only, src/app/request-line.ts) is serialized field by field, without',
  '  redaction or scrubbing;',
  '- no Subject or observable per request: admission is two counters and a FIFO queue;',
  '- no Set per response for a plain `Connection` header, no copy of the response headers when',
  "  the guard drops none, and no merged copy for the client: its head is node:http's flat list;",
  "- no promise per stream chunk: chunks go from undici's callback straight to the client",
  "  socket, the upstream paused while the client is backed up; the stream's tail is kept by",
  '  reference, not copied;',
  '- no O(credentials) work: pools over 16 keys are sampled (4 per pick), the secret scrubber',
  "  checks a cache-sized bit filter before its map, and a large pool's snapshot writes",
  '  (routine ones, and urgent ones past 256 KiB) are paced by its size;',
  '- no AbortController per request, no second URL parse, no re-parse of BaseURLs, no',
  '  re-serialised body (only a fallback to another model rewrites it);',
  "- no code loaded that is not used: undici's Pool, the prom-client parts and RxJS's Subject",
  '  alone;',
  "- no timer while idle: the log sink's flush, the admin feed's flush and heartbeat are armed only",
  '  when due, and the event loop monitor of the `nodejs_eventloop_lag_*` metrics (once a second)',
  '  runs only while requests end at least every 30 s (src/http/admin/event-loop-lag.ts);',
  '- no YAML parser for a config file that is JSON (the bench writes JSON; 10,000 credentials in',
  '  YAML took most of the start).',
  '',
  'With 10,000 keys a request allocates what it does with 10 (within a few percent); what is left',
  'of the flat-CPU difference is memory: four sampled keys out of 10,000 are cache misses, and the',
  'garbage collector marks a larger heap. It grows when the machine is busy.',
  '',
  "The RSS peak with 1,000 open streams is mostly not fusebox's objects (the live JS heap is a",
  "small part of it): V8's young generation, grown to its maximum during the ramp of 1,000",
  'requests, the old generation holding garbage until its next major collection, and the',
  'sockets themselves. The peak itself comes during the burst of 1,000 connections arriving at',
  'once: native memory that Node gives back a moment later (the pass-through shows the same',
  'transient); when that happens moves the peak by several MB from run to run.',
  '',
  'The p99 figure at 200 req/s is the least steady of all on a shared 2-core VM: the load',
  "generator and the upstream share one core, and the pass-through's own p99 moves by several",
  'milliseconds from run to run. A minor GC pause of a few ms (fusebox allocates far more per',
  'request than the pass-through) lands on about one request in a hundred at that rate.',
  '',
];
