import { countPerRequest, perRequest } from './lib/cost.js';
import { FB1, FB_FLEET } from './names.js';
import type { Plan } from './suites.js';

/**
 * The `cost` suite: bench/lib/cost.ts's counting mode (no valgrind) for fusebox 1×1×1 and
 * 4×3×50 against one pass-through, each a fresh process pinned to the proxy core: promises,
 * JS heap allocated and GCs per request, figures that do not move with the machine's load.
 */
export type PerRequestCount = ReturnType<typeof perRequest>;

export interface CostFigure {
  readonly requests: number;
  readonly passthrough: PerRequestCount;
  readonly fusebox: ReadonlyMap<string, PerRequestCount>;
}

export async function costSuite(plan: Plan, quick: boolean, say: (line: string) => void): Promise<CostFigure> {
  const requests = quick ? 1000 : 3000;
  const result = await countPerRequest({
    root: plan.root,
    origin: plan.origin,
    shapes: [
      { label: FB1, shape: { backends: 1, baseUrls: 1, credentials: 1 } },
      { label: FB_FLEET, shape: { backends: 4, baseUrls: 3, credentials: 50 } },
    ],
    requests,
    warmup: quick ? 1000 : 2000,
    instructions: false,
    cpu: plan.proxyCpu,
    say,
  });
  return {
    requests,
    passthrough: perRequest(result.passthrough, requests),
    fusebox: new Map([...result.fusebox].map(([label, window]) => [label, perRequest(window, requests)])),
  };
}
