import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/**
 * The bench's own load generator, run in its own (pinned) process; prints one JSON line.
 *
 *   rate   open loop: send `--rate` JSON requests per second on a fixed schedule; latency is
 *          measured from the scheduled send time, so queueing anywhere counts as latency;
 *   sse    `--streams` concurrent streaming requests, each followed at once by the next;
 *          time to first chunk and total time of each stream;
 *   hold   open `--streams` streams at once and keep them open until all are receiving (then one
 *          second more) or for `--duration` seconds; with `--pid`, reads that process's resident
 *          memory (VmRSS) at that moment, every stream still open, before closing them.
 */
const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'rate' },
    url: { type: 'string' },
    rate: { type: 'string', default: '200' },
    streams: { type: 'string', default: '32' },
    duration: { type: 'string', default: '5' },
    model: { type: 'string', default: 'bench-sse-20x5' },
    pid: { type: 'string' },
  },
});

const target = new URL(values.url ?? 'http://127.0.0.1:9/v1/chat/completions');
const durationMs = Number(values.duration) * 1000;
const streams = Number(values.streams);
const pool = new Pool(target.origin, { connections: Math.max(64, streams), pipelining: 1 });
const headers = { 'content-type': 'application/json', authorization: 'Bearer bench-client' };

function body(model: string, stream: boolean): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello.' }], ...(stream ? { stream: true } : {}) });
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = samples.slice().sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, n: sorted.length };
}

async function oneJson(payload: string): Promise<boolean> {
  const reply = await pool.request({ method: 'POST', path: target.pathname, headers, body: payload });
  await reply.body.dump({ limit: 1 << 20 });
  return reply.statusCode === 200;
}

async function rateMode(): Promise<unknown> {
  const interval = 1000 / Number(values.rate);
  const payload = body('bench-json', false);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let errors = 0;
  const start = performance.now() + 20;
  const end = start + durationMs;
  let next = start;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next <= now && next < end) {
        const scheduled = next;
        pending.push(
          oneJson(payload).then(
            (ok) => {
              if (ok) latencies.push(performance.now() - scheduled);
              else errors++;
            },
            () => {
              errors++;
            },
          ),
        );
        next += interval;
      }
      if (next >= end) resolve();
      else setTimeout(tick, Math.max(0, next - performance.now() - 0.5));
    };
    setTimeout(tick, 20);
  });
  await Promise.all(pending);
  return { mode: 'rate', errors, latencyMs: summary(latencies) };
}

/** One stream: ms to the first body chunk and to the end, or null on error. */
async function oneStream(payload: string, signal?: AbortSignal): Promise<{ first: number; total: number } | null> {
  const started = performance.now();
  const reply = await pool.request({ method: 'POST', path: target.pathname, headers, body: payload, ...(signal ? { signal } : {}) });
  if (reply.statusCode !== 200) {
    await reply.body.dump();
    return null;
  }
  let first = NaN;
  let text = '';
  for await (const chunk of reply.body) {
    if (Number.isNaN(first)) first = performance.now() - started;
    text = (text + (chunk as Buffer).toString('utf8')).slice(-64);
  }
  return text.includes('[DONE]') ? { first, total: performance.now() - started } : null;
}

async function sseMode(): Promise<unknown> {
  const payload = body(values.model, true);
  const firsts: number[] = [];
  const totals: number[] = [];
  let errors = 0;
  const end = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const result = await oneStream(payload).catch(() => null);
      if (result) {
        firsts.push(result.first);
        totals.push(result.total);
      } else errors++;
    }
  };
  await Promise.all(Array.from({ length: streams }, worker));
  return { mode: 'sse', errors, firstChunkMs: summary(firsts), totalMs: summary(totals) };
}

async function holdMode(): Promise<unknown> {
  const payload = body(values.model, true);
  const controller = new AbortController();
  let firstChunks = 0;
  let errors = 0;
  const one = async () => {
    try {
      const reply = await pool.request({ method: 'POST', path: target.pathname, headers, body: payload, signal: controller.signal });
      if (reply.statusCode !== 200) errors++;
      let seen = false;
      for await (const _chunk of reply.body) {
        if (!seen) firstChunks++;
        seen = true;
      }
    } catch {
      if (!controller.signal.aborted) errors++;
    }
  };
  const all = Array.from({ length: streams }, one);
  // Hold until every stream is receiving (then one second more), or until the duration is up.
  const deadline = performance.now() + durationMs;
  let allSince: number | null = null;
  while (performance.now() < deadline) {
    if (firstChunks === streams) allSince ??= performance.now();
    if (allSince !== null && performance.now() - allSince >= 1000) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const streaming = firstChunks;
  const heldRssBytes = values.pid === undefined ? null : residentBytes(values.pid);
  controller.abort();
  await Promise.allSettled(all);
  return { mode: 'hold', streams, streaming, errors, heldRssBytes };
}

function residentBytes(pid: string): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

const modes: Record<string, () => Promise<unknown>> = { rate: rateMode, sse: sseMode, hold: holdMode };
const run = modes[values.mode];
if (!run) throw new Error(`unknown mode ${values.mode}`);
const result = await run();
process.stdout.write(`${JSON.stringify(result)}\n`);
await pool.destroy();
