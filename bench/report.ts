import { appended, f, inParens, paired, roundsOf, signed } from './lib/paired.js';
import type { ProfileSummary } from './lib/profile.js';
import type { ClusterFigure } from './cluster.js';
import type { CostFigure } from './cost-suite.js';
import type { CategoryProfile } from './cpu-categories.js';
import type { IdleFigure } from './idle.js';
import { costTables, idleVerdicts } from './report-cost.js';
import { cpuVerdicts, streamCpuTable } from './report-cpu.js';
import { FB1, KEYS_10, KEYS_10K, PT } from './names.js';
import type { StreamCpuFigure } from './streams-cpu.js';
import { gcFlagTable, type GcFlagFigure } from './gc-flag.js';
import type { LatencyFigure, RssFigure, SseFigure, StartupFigure, ThroughputFigure } from './suites.js';

/**
 * Turns the figures into target verdicts and into text: a terminal table and the Markdown of
 * docs/performance.md. Every ratio is against the pass-through of the same run.
 */
export interface Figures {
  readonly throughput?: Map<string, ThroughputFigure>;
  readonly latency?: Map<string, LatencyFigure>;
  readonly sse?: Map<string, SseFigure>;
  readonly rss?: Map<string, RssFigure>;
  readonly startup?: StartupFigure[];
  readonly credentials?: Map<string, ThroughputFigure>;
  readonly cluster?: ClusterFigure;
  readonly resume?: Map<string, StreamCpuFigure>;
  /** CPU per request with and without --single-threaded-gc (a diagnostic). */
  readonly gc?: Map<string, GcFlagFigure>;
  /** CPU profiles by category, fusebox 1×1×1 and the pass-through. */
  readonly profile?: Map<string, CategoryProfile>;
  readonly idle?: Map<string, IdleFigure>;
  readonly cost?: CostFigure;
}

export interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly ok: boolean | null;
  /** For a miss: by how much. */
  readonly miss: string;
  /** Which fusebox shape to profile when missed. */
  readonly profile?: 'one' | 'fleet' | 'many-keys' | 'start';
}

export function verdicts(fig: Figures): Verdict[] {
  const out: Verdict[] = [];
  out.push(...cpuVerdicts(fig), ...idleVerdicts(fig));
  const lat = fig.latency;
  if (lat?.get(PT) && lat.get(FB1)) {
    const [fb, base] = [lat.get(FB1)!, lat.get(PT)!];
    const extra = paired(fb.byRound?.p99, base.byRound?.p99, (m, b) => m - b, fb.p99 - base.p99);
    out.push({
      target: 'p99 at 200 req/s within 1 ms of pass-through',
      measured: `${signed(extra.value)} ms${inParens(roundsOf(extra, signed))}`,
      ok: extra.value <= 1,
      miss: `${f(extra.value - 1)} ms over`,
      profile: 'one',
    });
  }
  const sse = fig.sse;
  if (sse?.get(PT) && sse.get(FB1)) {
    const [fb, base] = [sse.get(FB1)!, sse.get(PT)!];
    const extra = paired(fb.byRound?.firstChunkP50, base.byRound?.firstChunkP50, (m, b) => m - b, fb.firstChunkP50 - base.firstChunkP50);
    out.push({
      target: 'SSE added time to first chunk ≤ 0.5 ms (vs pass-through, p50)',
      measured: `${signed(extra.value)} ms${inParens(roundsOf(extra, signed))}`,
      ok: extra.value <= 0.5,
      miss: `${f(extra.value - 0.5)} ms over`,
      profile: 'one',
    });
  }
  const rss = fig.rss?.get(FB1);
  if (rss) {
    const all = rss.streaming >= 1000;
    out.push({
      target: 'RSS < 150 MB with 1,000 open streams',
      measured: `${f(rss.peakMB, 0)} MB (${rss.streaming} of 1,000 streams receiving; ${f(rss.heldMB, 0)} MB while held)`,
      ok: all ? rss.peakMB < 150 : null,
      miss: all
        ? `${f(rss.peakMB - 150, 0)} MB over`
        : `only ${rss.streaming} of 1,000 streams were receiving data, the others queued inside fusebox`,
    });
  }
  const start = fig.startup?.find((s) => s.credentials === 10_000);
  if (start) {
    out.push({
      target: 'start with 10,000 credentials < 2 s',
      measured: `${f(start.readyMs / 1000)} s`,
      ok: start.readyMs < 2000,
      miss: `${f(start.readyMs / 1000 - 2)} s over`,
      profile: 'start',
    });
  }
  const few = fig.credentials?.get(KEYS_10);
  const many = fig.credentials?.get(KEYS_10K);
  if (few?.cpuUs && many?.cpuUs) {
    const ratio = paired(many.byRound?.cpuUs, few.byRound?.cpuUs, (m, b) => m / b, many.cpuUs / few.cpuUs);
    out.push({
      target: 'CPU per request flat (±10%) from 10 to 10,000 credentials',
      measured: `${f(ratio.value)}× (${f(few.cpuUs, 0)} → ${f(many.cpuUs, 0)} µs${appended(roundsOf(ratio, (n) => `${f(n)}×`))})`,
      ok: ratio.value <= 1.1,
      miss: `${f((ratio.value - 1.1) * 100, 0)} points over 1.10×`,
      profile: 'many-keys',
    });
  }
  const cluster = fig.cluster;
  if (cluster) {
    out.push({
      target: 'a breaker opened on one instance is respected by the others within 100 ms (loopback)',
      measured: `p99 ${f(cluster.p99Ms, 1)} ms, max ${f(cluster.maxMs, 1)} ms (p50 ${f(cluster.p50Ms, 1)} ms, ${cluster.rounds} rounds)`,
      ok: cluster.maxMs <= 100,
      miss: `max ${f(cluster.maxMs - 100, 1)} ms over`,
    });
  }
  return out;
}

type Table = { head: string[]; rows: string[][] };

export function tables(fig: Figures): { title: string; table: Table }[] {
  const out: { title: string; table: Table }[] = [];
  const ptRps = fig.throughput?.get(PT)?.rps;
  const ptCpu = fig.throughput?.get(PT)?.cpuUs;
  if (fig.throughput) {
    out.push({
      title: 'JSON at saturation (wrk, 32 connections)',
      table: {
        head: ['target', 'req/s', 'req/s × pass-through', 'proxy CPU µs/req', 'CPU × pass-through', 'errors'],
        rows: [...fig.throughput].map(([n, t]) => [
          n,
          f(t.rps, 0),
          ptRps ? f(t.rps / ptRps) : '–',
          f(t.cpuUs, 0),
          ptCpu && t.cpuUs ? f(t.cpuUs / ptCpu) : '–',
          String(t.errors),
        ]),
      },
    });
  }
  const base = fig.latency?.get('direct');
  if (fig.latency) {
    out.push({
      title: 'JSON latency, open loop at 200 req/s (ms; added = vs direct)',
      table: {
        head: ['target', 'p50', 'p99', 'added p50', 'added p99', 'errors'],
        rows: [...fig.latency].map(([n, l]) => [
          n,
          f(l.p50),
          f(l.p99),
          f(base ? l.p50 - base.p50 : NaN),
          f(base ? l.p99 - base.p99 : NaN),
          String(l.errors),
        ]),
      },
    });
  }
  const sBase = fig.sse?.get('direct');
  if (fig.sse) {
    out.push({
      title: 'SSE, 32 concurrent streams of 20 chunks 5 ms apart (ms; added = vs direct)',
      table: {
        head: ['target', 'first chunk p50', 'added first chunk', 'first chunk p99', 'total p99', 'added total p99', 'errors'],
        rows: [...fig.sse].map(([n, s]) => [
          n,
          f(s.firstChunkP50),
          f(sBase ? s.firstChunkP50 - sBase.firstChunkP50 : NaN),
          f(s.firstChunkP99),
          f(s.totalP99),
          f(sBase ? s.totalP99 - sBase.totalP99 : NaN),
          String(s.errors),
        ]),
      },
    });
  }
  if (fig.rss) {
    out.push({
      title: 'Memory with 1,000 concurrent open streams',
      table: {
        head: ['target', 'idle RSS MB', 'peak RSS MB', 'RSS MB while held', 'streams receiving', 'errors'],
        rows: [...fig.rss].map(([n, r]) => [n, f(r.idleMB, 0), f(r.peakMB, 0), f(r.heldMB, 0), String(r.streaming), String(r.errors)]),
      },
    });
  }
  if (fig.startup) {
    out.push({
      title: 'Time to start (spawn → /healthz answers)',
      table: {
        head: ['credentials', 'ms'],
        rows: fig.startup.map((s) => [String(s.credentials), f(s.readyMs, 0)]),
      },
    });
  }
  if (fig.credentials) {
    out.push({
      title: 'Per-request CPU with 10 vs 10,000 credentials (one backend, wrk, 32 connections)',
      table: {
        head: ['target', 'req/s', 'proxy CPU µs/req', 'errors'],
        rows: [...fig.credentials].map(([n, t]) => [n, f(t.rps, 0), f(t.cpuUs, 0), String(t.errors)]),
      },
    });
  }
  if (fig.resume) out.push(streamCpuTable(fig.resume));
  if (fig.gc && fig.gc.size > 0) out.push(gcFlagTable(fig.gc));
  if (fig.cluster) {
    const c = fig.cluster;
    out.push({
      title: 'Cluster: a breaker opened on one of three instances, until the other two have it open (ms, one redis-server on loopback)',
      table: { head: ['rounds', 'p50', 'p99', 'max'], rows: [[String(c.rounds), f(c.p50Ms), f(c.p99Ms), f(c.maxMs)]] },
    });
  }
  out.push(...costTables(fig));
  return out;
}

export function textTable(table: Table): string {
  const all = [table.head, ...table.rows];
  const widths = table.head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

/** Numbers right-aligned; with `textOnly`, every column left-aligned. */
export function markdownTable(table: Table, textOnly = false): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(table.head), line(table.head.map((_, i) => (i === 0 || textOnly ? '---' : '---:'))), ...table.rows.map(line)].join('\n');
}

export function verdictTable(list: readonly Verdict[]): Table {
  return {
    head: ['target', 'measured', 'verdict'],
    rows: list.map((v) => [v.target, v.measured, v.ok === null ? `NOT ESTABLISHED: ${v.miss}` : v.ok ? 'met' : `MISSED: ${v.miss}`]),
  };
}

export function profileMarkdown(p: ProfileSummary): string {
  return [
    `### Profile: ${p.label}`,
    '',
    `\`${p.file}\` (${p.totalMs.toFixed(0)} ms of CPU sampled${p.label.startsWith('start') ? '' : ' under load, start-up and warm-up left out'}; the file is not committed). Self time by function:`,
    '',
    markdownTable({ head: ['self %', 'function', 'where'], rows: p.topFunctions.map((t) => [t.selfPct.toFixed(1), `\`${t.name}\``, t.where]) }, true),
    '',
    'fusebox functions by total time (callees included):',
    '',
    markdownTable({ head: ['total %', 'function', 'where'], rows: p.topInclusive.map((t) => [t.pct.toFixed(1), `\`${t.name}\``, t.where]) }, true),
    '',
    'Self time by file:',
    '',
    markdownTable({ head: ['self %', 'file'], rows: p.topFiles.map((t) => [t.selfPct.toFixed(1), t.file]) }, true),
  ].join('\n');
}
