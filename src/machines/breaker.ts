import { assign, not, setup } from 'xstate';
import type { BreakerEvent } from './events.js';
import { nextOpenStreak, openDurationMs, pushCall, rateTrips, type BreakerPolicy } from './breaker-policy.js';
import { freshHealth, recordFailure, recordSuccess, recordSuccesses, type Health } from './health.js';
import { carryOver, credentialFailed, credentialSucceeded, freshCredential, type CredentialInput, type CredentialState } from './credentials.js';
import {
  credentialList,
  credentialSlots,
  replaceSlots,
  succeededBySlot,
  toChunks,
  withCredential,
  type CredentialChunks,
} from './credential-chunks.js';

export { credentialAt, credentialCount, credentialList, credentialOf, credentialSlots } from './credential-chunks.js';

/**
 * The breaker machine: closed → open after `failureThreshold` consecutive failures (or when
 * the optional failure-rate window trips);
 * open → half_open once `openUntil` has passed (on a `clock.tick` or a `probe.start`);
 * half_open admits `halfOpenProbes` probes; a probe success closes, a probe failure re-opens.
 * A breaker that re-opens soon after closing stays open longer each time (see breaker-policy).
 *
 * Backend, BaseURL and credential-pool actors all run this machine (their `role` differs);
 * a pool additionally keeps its credentials' state in context. Deadlines are wall-clock
 * times in context, never `after` timers, so a restored snapshot keeps its deadline exactly.
 */
export type ActorRole = 'backend' | 'baseurl' | 'pool';

export type { BreakerPolicy } from './breaker-policy.js';

export interface BreakerInput {
  readonly id: string;
  readonly role: ActorRole;
  readonly policy: BreakerPolicy;
  readonly credentials?: readonly CredentialInput[];
}

export interface Transition {
  readonly at: number;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly reason: string;
}

export interface BreakerContext {
  readonly id: string;
  readonly role: ActorRole;
  readonly policy: BreakerPolicy;
  readonly openUntil: number | null;
  readonly probesInFlight: number;
  readonly health: Health;
  /** A pool's credentials in layout order, chunked (none for backends and BaseURLs). */
  readonly credentialChunks: CredentialChunks;
  /** Position (slot) of each credential id in layout order; fixed for the actor's life. */
  readonly credentialSlots: Readonly<Record<string, number>>;
  readonly lastTransition: Transition | null;
  /** Held open by an operator: no deadline lets it go, only release or reset. */
  readonly isolated: boolean;
  /** Outcomes in the failure-rate window since the breaker last closed (true = success). */
  readonly calls: readonly boolean[];
  /** Re-opens in a row soon after closing; grows the open time. */
  readonly openStreak: number;
  /** When the breaker last closed after a probe, for the re-open rule. */
  readonly closedAt: number | null;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

type Ev<T extends BreakerEvent['type']> = Extract<BreakerEvent, { type: T }>;

function initialContext(input: BreakerInput): BreakerContext {
  const credentials = (input.credentials ?? []).map(freshCredential);
  return {
    id: input.id,
    role: input.role,
    policy: input.policy,
    openUntil: null,
    probesInFlight: 0,
    health: freshHealth,
    credentialChunks: toChunks(credentials),
    credentialSlots: credentialSlots(credentials),
    lastTransition: null,
    isolated: false,
    calls: [],
    openStreak: 0,
    closedAt: null,
  };
}

/**
 * A failure of one credential (a 429 that cools it down, a 401/403 that disables it): its pool
 * records it (health, the credential's own state) but it never opens the pool's breaker; the
 * credential's cooldown or disabled flag already keeps traffic off it. A pool opens when its
 * model's capacity is exhausted (`breaker.trip`) or by an operator.
 */
function isCredentialScoped(event: BreakerEvent): boolean {
  return event.type === 'call.failed' && (event.cooldownUntil !== undefined || event.disable === true);
}

function transition(at: number, from: BreakerState, to: BreakerState, reason: string): Transition {
  return { at, from, to, reason };
}

export const breakerMachine = setup({
  types: {} as { context: BreakerContext; events: BreakerEvent; input: BreakerInput },
  guards: {
    reachesThreshold: ({ context, event }) =>
      (event.type === 'call.failed' || event.type === 'health.probe.failed') &&
      !isCredentialScoped(event) &&
      (context.health.consecutiveFailures + 1 >= context.policy.failureThreshold ||
        rateTrips(context.policy, pushCall(context.policy, context.calls ?? [], false))),
    deadlinePassed: ({ context, event }) =>
      !context.isolated && !context.policy.activeRecovery && (context.openUntil === null || event.at >= context.openUntil),
    isIsolated: ({ context }) => context.isolated,
    hasPermit: ({ context }) => context.probesInFlight < context.policy.halfOpenProbes,
    isProbe: ({ event }) => 'probe' in event && event.probe,
    isCredentialProbe: ({ event }) => 'probe' in event && event.probe && isCredentialScoped(event),
  },
  actions: {
    recordSuccess: assign(({ context, event }) => {
      const e = event as Ev<'call.succeeded'>;
      return {
        health: recordSuccess(context.health, e.at, e.latencyMs),
        calls: pushCall(context.policy, context.calls ?? [], true),
        credentialChunks: withCredential(context, e.credentialId, (c) => credentialSucceeded(c, e.at, e.latencyMs, e.quota)),
      };
    }),
    recordSuccesses: assign(({ context, event }) => {
      const { calls } = event as Ev<'calls.succeeded'>;
      let window = context.calls ?? [];
      for (let i = 0; i < calls.length; i++) window = pushCall(context.policy, window, true);
      return {
        health: recordSuccesses(context.health, calls),
        calls: window,
        credentialChunks: replaceSlots(context.credentialChunks, succeededBySlot(context, calls)),
      };
    }),
    recordFailure: assign(({ context, event }) => {
      const e = event as Ev<'call.failed'>;
      return {
        health: recordFailure(context.health, e.at, e.code, e.latencyMs),
        calls: pushCall(context.policy, context.calls ?? [], false),
        credentialChunks: withCredential(context, e.credentialId, (c) => credentialFailed(c, e.at, e.code, e.cooldownUntil, e.disable, e.quota)),
      };
    }),
    openAfterFailures: assign(({ context, event }, params: { from: BreakerState }) => {
      const e = event as Ev<'call.failed'>;
      const from = params.from;
      const consecutive = context.health.consecutiveFailures >= context.policy.failureThreshold;
      const reason =
        from === 'half_open'
          ? `probe failed (${e.code})`
          : consecutive
            ? `${context.policy.failureThreshold} consecutive failures (last: ${e.code})`
            : `failure rate over ${context.policy.failureRate?.thresholdPercent}% (last: ${e.code})`;
      const openStreak = nextOpenStreak(context.policy, context.openStreak ?? 0, context.closedAt ?? null, e.at, from === 'half_open');
      return {
        openUntil: e.at + openDurationMs(context.policy, openStreak),
        openStreak,
        calls: [],
        probesInFlight: 0,
        lastTransition: transition(e.at, from, 'open', reason),
      };
    }),
    openUntilTrip: assign(({ context, event }) => {
      const e = event as Ev<'breaker.trip'>;
      const from = context.lastTransition?.to ?? 'closed';
      return {
        openUntil: Math.max(e.until, context.openUntil ?? 0),
        probesInFlight: 0,
        lastTransition: transition(e.at, from, 'open', e.reason),
      };
    }),
    enterHalfOpen: assign(({ event }) => ({
      probesInFlight: 0,
      lastTransition: transition(event.at, 'open', 'half_open', 'recovery deadline passed'),
    })),
    enterHalfOpenHealthy: assign(({ event }) => ({
      probesInFlight: 0,
      lastTransition: transition(event.at, 'open', 'half_open', 'health check succeeded'),
    })),
    disableCredential: assign(({ context, event }) => {
      const e = event as Ev<'credential.disable'>;
      return { credentialChunks: withCredential(context, e.credentialId, (c) => ({ ...c, disabled: e.reason })) };
    }),
    takePermit: assign(({ context }) => ({ probesInFlight: context.probesInFlight + 1 })),
    returnPermit: assign(({ context }) => ({ probesInFlight: Math.max(0, context.probesInFlight - 1) })),
    isolate: assign(({ context, event }) => ({
      isolated: true,
      openUntil: null,
      probesInFlight: 0,
      lastTransition: transition(event.at, context.lastTransition?.to ?? 'closed', 'open', 'isolated by operator'),
    })),
    release: assign(({ event }) => ({
      isolated: false,
      probesInFlight: 0,
      lastTransition: transition(event.at, 'open', 'half_open', 'released by operator'),
    })),
    applyConfig: assign(({ context, event }) => {
      const e = event as Ev<'config.changed'>;
      const credentials = carryOver(e.credentials.map(freshCredential), credentialList(context));
      return { policy: e.policy, credentialChunks: toChunks(credentials), credentialSlots: credentialSlots(credentials) };
    }),
    reset: assign(({ context, event }) => ({
      isolated: false,
      openUntil: null,
      probesInFlight: 0,
      calls: [],
      openStreak: 0,
      closedAt: null,
      health: freshHealth,
      credentialChunks: context.credentialChunks.map((chunk) =>
        chunk.map((c) => ({ ...c, health: freshHealth, cooldownUntil: null, cooldownStreak: 0, disabled: null })),
      ),
      lastTransition: transition(event.at, context.lastTransition?.to ?? 'closed', 'closed', 'reset by operator'),
    })),
    recover: assign(({ event }) => ({
      openUntil: null,
      probesInFlight: 0,
      calls: [],
      closedAt: event.at,
      lastTransition: transition(event.at, 'open', 'closed', 'recovery probe succeeded'),
    })),
    close: assign(({ event }) => ({
      openUntil: null,
      probesInFlight: 0,
      calls: [],
      closedAt: event.at,
      lastTransition: transition(event.at, 'half_open', 'closed', 'probe succeeded'),
    })),
  },
}).createMachine({
  id: 'breaker',
  context: ({ input }) => initialContext(input),
  initial: 'closed',
  on: {
    // Routine successes delivered together: health and credentials only, in every state.
    'calls.succeeded': { actions: 'recordSuccesses' },
    'operator.isolate': { target: '.open', actions: 'isolate' },
    'operator.reset': { target: '.closed', actions: 'reset' },
    'config.changed': { actions: 'applyConfig' },
    'credential.disable': { actions: 'disableCredential' },
  },
  states: {
    closed: {
      on: {
        'call.succeeded': { actions: 'recordSuccess' },
        'call.failed': [
          {
            guard: 'reachesThreshold',
            target: 'open',
            actions: ['recordFailure', { type: 'openAfterFailures', params: { from: 'closed' } }],
          },
          { actions: 'recordFailure' },
        ],
        // Active health checks (BaseURL actors): a failure counts like a failed call.
        'health.probe.failed': [
          {
            guard: 'reachesThreshold',
            target: 'open',
            actions: ['recordFailure', { type: 'openAfterFailures', params: { from: 'closed' } }],
          },
          { actions: 'recordFailure' },
        ],
        'breaker.trip': { target: 'open', actions: 'openUntilTrip' },
      },
    },
    open: {
      on: {
        'clock.tick': { guard: 'deadlinePassed', target: 'half_open', actions: 'enterHalfOpen' },
        'probe.start': { guard: 'deadlinePassed', target: 'half_open', actions: ['enterHalfOpen', 'takePermit'] },
        // Late results of calls that started before the breaker opened: health only.
        'call.succeeded': { actions: 'recordSuccess' },
        'call.failed': { actions: 'recordFailure' },
        'breaker.trip': { actions: 'openUntilTrip' },
        'operator.release': { guard: 'isIsolated', target: 'half_open', actions: 'release' },
        'health.probe.succeeded': { guard: not('isIsolated'), target: 'half_open', actions: 'enterHalfOpenHealthy' },
        'health.probe.failed': { actions: 'recordFailure' },
        // Active recovery (see src/actors/recovery-prober.ts).
        'recovery.probe.succeeded': { guard: not('isIsolated'), target: 'closed', actions: ['recordSuccess', 'recover'] },
        'recovery.probe.failed': { actions: 'recordFailure' },
      },
    },
    half_open: {
      on: {
        'probe.start': { guard: 'hasPermit', actions: 'takePermit' },
        'call.succeeded': [{ guard: 'isProbe', target: 'closed', actions: ['recordSuccess', 'close'] }, { actions: 'recordSuccess' }],
        'call.failed': [
          // A probe's key was rate limited or refused: says nothing of the pool; another key may probe.
          { guard: 'isCredentialProbe', actions: ['recordFailure', 'returnPermit'] },
          {
            guard: 'isProbe',
            target: 'open',
            actions: ['recordFailure', { type: 'openAfterFailures', params: { from: 'half_open' } }],
          },
          { actions: 'recordFailure' },
        ],
        'call.released': { guard: 'isProbe', actions: 'returnPermit' },
        'health.probe.failed': {
          target: 'open',
          actions: ['recordFailure', { type: 'openAfterFailures', params: { from: 'half_open' } }],
        },
        'breaker.trip': { target: 'open', actions: 'openUntilTrip' },
      },
    },
  },
});

export type BreakerMachine = typeof breakerMachine;

/** How a breaker in `state` admits a new call at `now`: freely, as a probe, or not at all. */
export type Admission = 'free' | 'probe' | 'blocked';

export function admission(state: BreakerState, context: BreakerContext, now: number): Admission {
  if (state === 'closed') return 'free';
  if (state === 'open') {
    return !context.isolated && !context.policy.activeRecovery && context.openUntil !== null && now >= context.openUntil ? 'probe' : 'blocked';
  }
  return context.probesInFlight < context.policy.halfOpenProbes ? 'probe' : 'blocked';
}
