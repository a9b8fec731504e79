import { Counter, counterSeries, type CounterSeries, type Registry } from './prom-parts.js';
import type { RequestSummary } from '../../routing/handle-request.js';
import type { Job } from '../../routing/types.js';
import { ANONYMOUS } from '../../routing/usage-ledger.js';
import { type CacheBudget, Memo } from '../../shared/bounded-labels.js';

/**
 * `fusebox_tokens_total{direction,client,backend,credential,model}`: the tokens answers
 * reported, by client key id (`anonymous` without client keys), backend, credential id and
 * model. Each label combination's pair of series (prom-parts.ts) is kept in a tree of Memos
 * sharing the gateway's `budget`, so a request costs four Map lookups and two increments;
 * `modelLabel` bounds the client-chosen model names.
 */
export interface TokenMetrics {
  observe(job: Pick<Job, 'model' | 'clientKey'>, summary: RequestSummary): void;
}

interface Pair {
  readonly input: CounterSeries;
  readonly output: CounterSeries;
}

export function createTokenMetrics(registers: Registry[], modelLabel: (model: string) => string, budget: CacheBudget): TokenMetrics {
  const tokens = new Counter({
    name: 'fusebox_tokens_total',
    help: 'Tokens reported by answers, by direction (input, output), client key id, backend, credential id and model.',
    labelNames: ['direction', 'client', 'backend', 'credential', 'model'],
    registers,
  });
  const memo = <K, V extends object>(make: (key: K) => V) => new Memo(budget, make);
  // Labels in this order (direction last): the order /metrics writes them in.
  const pairs = memo((client: string) =>
    memo((backend: string) =>
      memo((credential: string) =>
        memo((model: string): Pair => ({
          input: counterSeries(tokens, { client, backend, credential, model, direction: 'input' }),
          output: counterSeries(tokens, { client, backend, credential, model, direction: 'output' }),
        })),
      ),
    ),
  );
  return {
    observe(job, summary) {
      const usage = summary.usage;
      const last = summary.attempts.at(-1);
      if (!usage || summary.backend === null || !last) return;
      const pair = pairs
        .get(job.clientKey ?? ANONYMOUS)
        .get(summary.backend)
        .get(last.credential)
        .get(modelLabel(last.model ?? job.model));
      if (usage.inputTokens > 0) pair.input.inc(usage.inputTokens);
      if (usage.outputTokens > 0) pair.output.inc(usage.outputTokens);
    },
  };
}
