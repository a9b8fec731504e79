import { describe, expect, it } from 'vitest';
import { createActorTree } from '../../../../src/actors/actor-tree.js';
import { requestLine } from '../../../../src/app/request-line.js';
import { createMetrics } from '../../../../src/http/admin/metrics.js';
import type { RequestSummary } from '../../../../src/routing/handle-request.js';
import type { AttemptNote, ResumeNote } from '../../../../src/routing/request-notes.js';
import { createUsageLedger } from '../../../../src/routing/usage-ledger.js';
import { FuseboxError } from '../../../../src/shared/errors.js';
import { systemClock } from '../../../../src/shared/clock.js';

/**
 * What a request leaves behind (its /metrics series, its /admin/usage rows, its log line) for a
 * fixed, seeded sequence of requests across many label combinations. The snapshot file was
 * written by the code before request accounting cached its metric series and labels
 * (issue 18); it must stay byte for byte what that code wrote.
 */

/** A small deterministic generator (mulberry32), so the sequence is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROUTES = [
  { protocol: 'openai', upstreamPath: '/chat/completions' },
  { protocol: 'openai', upstreamPath: '/embeddings' },
  { protocol: 'anthropic', upstreamPath: '/v1/messages' },
  { protocol: 'gemini', upstreamPath: '/v1beta/models/gemini-pro:generateContent' },
  { protocol: 'gemini', upstreamPath: '/v1beta/models/gemini-flash:streamGenerateContent' },
];
const BACKENDS = ['alpha', 'beta', 'gamma'];
const CREDENTIALS = ['k1', 'k2', 'fp-0a1b'];
const OUTCOMES = ['http_503', 'connect_refused', 'timeout_first_byte', 'http_429'] as const;
const CLIENTS = [undefined, 'team-a', 'key-2'];
const HOUR_MS = 3_600_000;

interface Step {
  readonly job: { id: string; protocol: string; upstreamPath: string; model: string; stream: boolean; clientKey?: string };
  readonly summary: RequestSummary;
  readonly ms: number;
}

function pick<T>(next: () => number, from: readonly T[]): T {
  return from[Math.floor(next() * from.length)]!;
}

/** Request `i` of the sequence: 0 to 3 failed attempts, then an answer or none; models past 100 distinct become `other`. */
function step(next: () => number, i: number): Step {
  const route = pick(next, ROUTES);
  const model = i % 2 === 0 ? `model-${i}` : pick(next, ['gpt-a', 'gpt-b', 'claude-c']);
  const clientKey = pick(next, CLIENTS);
  const attempts: AttemptNote[] = [];
  const failures = Math.floor(next() * 4);
  for (let a = 0; a < failures; a++) {
    attempts.push({
      backend: pick(next, BACKENDS),
      baseUrl: a % 2,
      credential: pick(next, CREDENTIALS),
      pool: 'main',
      outcome: pick(next, OUTCOMES),
      ms: Math.round(next() * 5000) / 10,
    });
  }
  const answered = next() < 0.8;
  if (answered) {
    const fallback = next() < 0.2;
    attempts.push({
      backend: pick(next, BACKENDS),
      baseUrl: 0,
      credential: pick(next, CREDENTIALS),
      pool: fallback ? 'small' : 'main',
      ...(fallback ? { model: 'small-model' } : {}),
      outcome: 'success',
      ms: Math.round(next() * 300_000) / 1000,
    });
  }
  const last = attempts.at(-1);
  const resumed: ResumeNote[] | undefined =
    answered && next() < 0.15
      ? [
          {
            backend: pick(next, BACKENDS),
            strategy: pick(next, ['prefill', 'instruction'] as const),
            afterCode: 'connection_reset',
            keptChars: 12,
            result: pick(next, ['completed', 'broken'] as const),
          },
        ]
      : undefined;
  const summary: RequestSummary = {
    status: answered ? pick(next, [200, 200, 200, 400]) : pick(next, [502, 503, 504]),
    outcome: answered ? 'success' : 'upstream_failed',
    backend: answered ? last!.backend : null,
    attempts,
    ...(answered ? {} : { error: 'upstream_failed' }),
    ...(answered && next() < 0.7 ? { usage: { inputTokens: Math.floor(next() * 100), outputTokens: Math.floor(next() * 50) } } : {}),
    ...(resumed ? { resumed } : {}),
    ...(next() < 0.1 ? { waitedMs: 40 } : {}),
  };
  return {
    job: { id: `req-${i}`, ...route, model, stream: next() < 0.5, ...(clientKey ? { clientKey } : {}) },
    summary,
    ms: Math.round(next() * 2_000_000) / 1000,
  };
}

/** The fusebox_* families of a scrape (prom-client's process metrics vary from run to run). */
function fuseboxFamilies(text: string): string {
  return text
    .split('\n\n')
    .filter((family) => family.includes('# TYPE fusebox_'))
    .join('\n\n');
}

describe('request accounting (issue 18: cached series)', () => {
  it('writes the same /metrics, /admin/usage and log lines as before for a sequence across many label combinations', async () => {
    const tree = createActorTree({ layout: [] });
    const metrics = createMetrics(tree, systemClock);
    const start = Date.UTC(2026, 0, 1);
    const usage = createUsageLedger(start);
    const next = random(18);
    const out: string[] = [];
    for (let i = 0; i < 250; i++) {
      const { job, summary, ms } = step(next, i);
      metrics.observeRequest(job, summary, ms);
      usage.record(job, summary, start + Math.floor(i / 100) * HOUR_MS + i);
      out.push(requestLine(job, summary, ms, (m) => m.toUpperCase()));
      if (i % 50 === 0) metrics.observeRefused(new FuseboxError(pick(next, ['unauthorized', 'body_too_large', 'rate_limited'] as const), 'refused'));
      if (i === 124) out.push(fuseboxFamilies(await metrics.render()));
    }
    out.push(fuseboxFamilies(await metrics.render()));
    out.push(JSON.stringify(usage.report(start + 3 * HOUR_MS), null, 1));
    metrics.close();
    await expect(out.join('\n')).toMatchFileSnapshot('./__snapshots__/request-accounting.txt');
  });
});
