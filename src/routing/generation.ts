import type { RetryBudget } from './retry-budget.js';
import type { RouteTable } from './route-table.js';
import type { SameModelSettings } from './same-model-retry.js';
import type { Transport } from './types.js';

/**
 * Everything a config reload may change about serving a request, as one immutable value: the
 * composition root builds one per config (src/app/generation.ts) and a reload swaps in a new
 * one (src/app/live-routing.ts). The server reads the current generation once, when it admits
 * a request, and puts it on the Job (`job.generation`); from then on that request uses it and
 * nothing else, from its first attempt to its last, even when a reload happens meanwhile.
 */
export interface RoutingGeneration {
  /** Who serves what, under which actor ids; also the model listings and model validation. */
  readonly table: RouteTable;
  /** The upstream transport: its secrets, pools and guards belong to this generation. */
  readonly transport: Transport;
  /** Client headers any backend forwards beyond its protocol's allow-list (`forwardHeaders`). */
  readonly forwardHeaders: ReadonlySet<string>;
  /** `routing.maxAttempts`. */
  readonly maxAttempts: number;
  /** `routing.retryBudget`: carried over from the previous generation when its settings are unchanged. */
  readonly retryBudget: RetryBudget;
  /** `routing.waitForRecoveryMs`; 0: never wait for recovery. */
  readonly waitForRecoveryMs: number;
  /** `routing.sameModelRetryMaxMs` / `sameModelRetryBackoffMs` (see same-model-retry.ts). */
  readonly sameModelRetry: SameModelSettings;
  /** `server.maxResponseBytes`: the largest non-streamed upstream body accepted (and the most a stream keeps to resume). */
  readonly maxResponseBytes: number;
  /** `streams.resume`: continue broken streams on another route (stream-resume.ts); absent: off. */
  readonly streamResume?: boolean;
  /**
   * Ids of this generation's backends that a later reload removed or changed. Their actors may
   * be gone, or hold credentials this generation has no secret for, so a request still using
   * this generation plans its next attempts without them. Empty while the generation is current.
   */
  readonly withdrawn: ReadonlySet<string>;
}

/** The table a request of `generation` plans on now: its own, less the withdrawn backends. */
export function plannableTable(generation: RoutingGeneration): RouteTable {
  const { table, withdrawn } = generation;
  if (withdrawn.size === 0) return table;
  return { ...table, backends: table.backends.filter((backend) => !withdrawn.has(backend.config.id)) };
}
