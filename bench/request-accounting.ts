import { createActorTree } from '../src/actors/actor-tree.js';
import { requestLine } from '../src/app/request-line.js';
import { createMetrics } from '../src/http/admin/metrics.js';
import type { RequestSummary } from '../src/routing/handle-request.js';
import { createUsageLedger } from '../src/routing/usage-ledger.js';
import { systemClock } from '../src/shared/clock.js';

/**
 * `npx tsx bench/request-accounting.ts`: what a routine request's accounting costs after its
 * answer (gateway.ts: observeRequest, usage record, request line), each part alone, in ns per
 * request of CPU time; median of 7 rounds of 200,000 requests over 12 label combinations (3
 * backends, 2 models, 2 client keys, one successful attempt with token usage). Run it on two
 * commits to compare them; it asserts nothing.
 */
const ROUNDS = 7;
const PER_ROUND = 200_000;

const jobs = ['gpt-4o-mini', 'claude-haiku'].flatMap((model) =>
  ['team-a', 'team-b'].map((clientKey, i) => ({
    id: `req-${model}-${i}`,
    protocol: 'openai',
    upstreamPath: '/chat/completions',
    model,
    stream: false,
    clientKey,
  })),
);
const summaries: RequestSummary[] = ['alpha', 'beta', 'gamma'].map((backend) => ({
  status: 200,
  outcome: 'success',
  backend,
  attempts: [{ backend, baseUrl: 0, credential: `${backend}-k1`, pool: 'main', outcome: 'success', ms: 123.4 }],
  usage: { inputTokens: 42, outputTokens: 17 },
}));

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function measure(name: string, each: (job: (typeof jobs)[number], summary: RequestSummary, i: number) => void): void {
  const rounds: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i++) each(jobs[i % jobs.length]!, summaries[i % summaries.length]!, i);
    const used = process.cpuUsage(start);
    if (round > 0) rounds.push(((used.user + used.system) * 1000) / PER_ROUND);
  }
  console.log(`${name.padEnd(16)} ${median(rounds).toFixed(0).padStart(6)} ns/request`);
}

const metrics = createMetrics(createActorTree({ layout: [] }), systemClock);
const usage = createUsageLedger(Date.now());
const now = Date.now();
let sink = 0;
measure('observeRequest', (job, summary, i) => metrics.observeRequest(job, summary, i % 5000));
measure('usage.record', (job, summary, i) => usage.record(job, summary, now + i));
measure('requestLine', (job, summary, i) => (sink += requestLine(job, summary, i % 5000, (m) => m).length));
metrics.close();
if (sink === 0) console.log('(nothing written)');
