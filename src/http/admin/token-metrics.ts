import { Counter, type Registry } from './prom-parts.js';
import type { RequestSummary } from '../../routing/handle-request.js';
import type { Job } from '../../routing/types.js';
import { ANONYMOUS } from '../../routing/usage-ledger.js';

/**
 * `fusebox_tokens_total{direction,client,backend,credential,model}`: the tokens answers
 * reported, by client key id (`anonymous` without client keys), backend, credential id and
 * model. Each label combination's pair of children is made once and kept, so a request costs
 * two increments and one map lookup; `modelLabel` bounds the client-chosen model names.
 */
export interface TokenMetrics {
  observe(job: Pick<Job, 'model' | 'clientKey'>, summary: RequestSummary): void;
}

interface Pair {
  readonly input: { inc(value: number): void };
  readonly output: { inc(value: number): void };
}

export function createTokenMetrics(registers: Registry[], modelLabel: (model: string) => string): TokenMetrics {
  const tokens = new Counter({
    name: 'fusebox_tokens_total',
    help: 'Tokens reported by answers, by direction (input, output), client key id, backend, credential id and model.',
    labelNames: ['direction', 'client', 'backend', 'credential', 'model'],
    registers,
  });
  const children = new Map<string, Pair>();
  return {
    observe(job, summary) {
      const usage = summary.usage;
      const last = summary.attempts.at(-1);
      if (!usage || summary.backend === null || !last) return;
      const labels = {
        client: job.clientKey ?? ANONYMOUS,
        backend: summary.backend,
        credential: last.credential,
        model: modelLabel(last.model ?? job.model),
      };
      const key = `${labels.client}\u0000${labels.backend}\u0000${labels.credential}\u0000${labels.model}`;
      let pair = children.get(key);
      if (pair === undefined) {
        pair = { input: tokens.labels({ ...labels, direction: 'input' }), output: tokens.labels({ ...labels, direction: 'output' }) };
        children.set(key, pair);
      }
      if (usage.inputTokens > 0) pair.input.inc(usage.inputTokens);
      if (usage.outputTokens > 0) pair.output.inc(usage.outputTokens);
    },
  };
}
