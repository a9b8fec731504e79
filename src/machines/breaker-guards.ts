import { pushCall, rateTrips } from './breaker-policy.js';
import type { BreakerContext, BreakerState, BreakerValue } from './types.js';

/**
 * The breaker's rules, one definition each: the machine's guards call these, and so does
 * `admission`, the router's question "would this breaker take a call now?". Pure.
 */

/** One more failure opens the breaker: the consecutive count reaches the threshold, or the rate rule trips. */
export function reachesThreshold(context: BreakerContext): boolean {
  return (
    context.health.consecutiveFailures + 1 >= context.policy.failureThreshold ||
    rateTrips(context.policy, pushCall(context.policy, context.calls, false))
  );
}

/**
 * An open breaker's deadline has come at `at` (an isolated breaker has none, so never). Under
 * active recovery no deadline lets it go: fusebox's own probes (`recovery.probe.*`) decide.
 */
export function deadlinePassed(context: BreakerContext, at: number): boolean {
  return !context.policy.activeRecovery && context.openUntil !== null && at >= context.openUntil;
}

/** A half-open breaker has a probe permit left. */
export function hasPermit(context: BreakerContext): boolean {
  return context.probesInFlight < context.policy.halfOpenProbes;
}

/** The traffic state of a machine state value: `isolated` lets nothing through, like `open`. */
export function breakerState(value: BreakerValue): BreakerState {
  return value === 'isolated' ? 'open' : value;
}

/** How a breaker in `state` admits a new call at `now`: freely, as a probe, or not at all. */
export type Admission = 'free' | 'probe' | 'blocked';

/**
 * Mirrors the machine: `closed` takes any call; `open` takes a probe once its deadline passed
 * (its `probe.start` guard); `half_open` while a permit is left (its `probe.start` guard);
 * `isolated` none (it has no `probe.start`; read as `open`, its null deadline blocks it).
 */
export function admission(state: BreakerValue, context: BreakerContext, now: number): Admission {
  switch (state) {
    case 'closed':
      return 'free';
    case 'open':
      return deadlinePassed(context, now) ? 'probe' : 'blocked';
    case 'half_open':
      return hasPermit(context) ? 'probe' : 'blocked';
    case 'isolated':
      return 'blocked';
  }
}
