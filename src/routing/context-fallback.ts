import type { Outcome } from './classify.js';
import { contextChain, type ModelPools, type PoolStep } from './model-pools.js';
import type { Route } from './plan.js';
import type { Protocol } from './types.js';

/**
 * The context fallback of one request. An upstream's 4xx saying the request exceeds the
 * model's context is held back, not answered, when the route's model pool names a
 * `contextFallback`: the request is planned again on that pool's chain (its model mapped by
 * `contextMapModels`), once. The held answer is the client's when the fallback gives none.
 * A context error blames nobody: the actors hear only that the call was released.
 * Without a context fallback, or on the second context error, the 4xx is answered as is.
 */
export type UpstreamErrorKind = 'context_length' | 'content_policy';

/** What an upstream error body of protocol P is; the recognisers live with the protocols. */
export type UpstreamErrorReader = (protocol: Protocol, status: number, text: string) => UpstreamErrorKind | null;

/** Decides, for a client error just read in full, whether it is held back (and as what). */
export type ClientErrorHold = (status: number, body: Buffer) => Outcome | null;

export interface HeldAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly backend: string;
}

export interface ContextState {
  /** The pool chain to plan on instead of the model's own, once the fallback is taken. */
  steps: readonly PoolStep[] | null;
  held: HeldAnswer | null;
}

export const emptyContextState = (): ContextState => ({ steps: null, held: null });

const CONTEXT_EXCEEDED: Outcome = { kind: 'context_exceeded', code: 'context_length_exceeded' };

/** The hold for an attempt on `route`; undefined when a context error there must be answered. */
export function contextHold(
  reader: UpstreamErrorReader | undefined,
  pools: ModelPools,
  route: Route,
  state: ContextState,
): ClientErrorHold | undefined {
  if (reader === undefined || state.held !== null || pools.contextFallbackOf(route.modelPool) === undefined) return undefined;
  const protocol = route.backend.config.kind;
  return (status, body) => (reader(protocol, status, body.toString('utf8')) === 'context_length' ? CONTEXT_EXCEEDED : null);
}

/** Takes the context fallback after `route` answered `held`: later plans use its chain. */
export function takeContextFallback(state: ContextState, pools: ModelPools, route: Route, origin: string, held: HeldAnswer): void {
  state.held = held;
  state.steps = contextChain(pools, { pool: route.modelPool, model: route.model }, origin);
}
