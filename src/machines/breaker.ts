import { assertEvent, assign, setup } from 'xstate';
import { deadlinePassed, hasPermit, reachesThreshold } from './breaker-guards.js';
import {
  configured,
  credentialDisabled,
  credentialRefused,
  failed,
  initialContext,
  isolated,
  openedByFailures,
  openedByTrip,
  recovered,
  reset,
  succeeded,
  succeededAll,
  transition,
} from './breaker-updates.js';
import { adoptShared, syncsTo } from './breaker-shared.js';
import type { BreakerContext, BreakerEvent, BreakerInput, BreakerValue } from './types.js';

export { credentialAt, credentialCount, credentialList, credentialOf, credentialSlots } from './credential-chunks.js';
export { admission, breakerState, type Admission } from './breaker-guards.js';
export type { ActorRole, BreakerContext, BreakerInput, BreakerState, BreakerValue, Transition } from './types.js';
export type { BreakerPolicy } from './breaker-policy.js';

/**
 * The breaker machine: closed → open after `failureThreshold` consecutive failures (or when
 * the optional failure-rate window trips);
 * open → half_open once `openUntil` has passed (on a `clock.tick` or a `probe.start`);
 * half_open admits `halfOpenProbes` probes; a probe success closes, a probe failure re-opens.
 * A breaker that re-opens soon after closing stays open longer each time (see breaker-policy).
 * From any state an operator's `operator.isolate` moves it to `isolated`, which nothing leaves
 * but `operator.release` (to half_open) or `operator.reset` (to closed).
 *
 * Backend, BaseURL and credential-pool actors all run this machine (their `role` differs);
 * a pool additionally keeps its credentials' state in context. A credential's 429
 * (`credential.rate_limited`) or 401/403 (`credential.rejected`) counts in its pool's health
 * but never opens the pool: the credential's cooldown or disabled flag keeps traffic off it.
 * A pool opens when its model's capacity is exhausted (`breaker.trip`) or by an operator.
 * Deadlines are wall-clock times in context, never `after` timers, so a restored snapshot
 * keeps its deadline exactly.
 */
const FAILURES: ('call.failed' | 'health.probe.failed')[] = ['call.failed', 'health.probe.failed'];
const RECORDED_FAILURES: ('call.failed' | 'health.probe.failed' | 'recovery.probe.failed')[] = [...FAILURES, 'recovery.probe.failed'];
const CREDENTIAL_FAILURES: ('credential.rate_limited' | 'credential.rejected')[] = ['credential.rate_limited', 'credential.rejected'];

export const breakerMachine = setup({
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- xstate infers the machine's types from this assertion
  types: {} as { context: BreakerContext; events: BreakerEvent; input: BreakerInput },
  guards: {
    reachesThreshold: ({ context }) => reachesThreshold(context),
    deadlinePassed: ({ context, event }) => deadlinePassed(context, event.at),
    hasPermit: ({ context }) => hasPermit(context),
    isProbe: ({ event }) => 'probe' in event && event.probe,
    syncsTo: ({ context, event }, params: { mode: BreakerValue }) => event.type === 'cluster.synced' && syncsTo(context, event, params.mode),
  },
  actions: {
    recordSuccess: assign(({ context, event }) => {
      assertEvent(event, 'call.succeeded');
      return succeeded(context, event);
    }),
    recordRecovery: assign(({ context, event }) => {
      assertEvent(event, 'recovery.probe.succeeded');
      return { ...succeeded(context, { ...event, type: 'call.succeeded', probe: true }), ...recovered(event.at) };
    }),
    recordSuccesses: assign(({ context, event }) => {
      assertEvent(event, 'calls.succeeded');
      return succeededAll(context, event);
    }),
    recordFailure: assign(({ context, event }) => {
      assertEvent(event, RECORDED_FAILURES);
      return failed(context, event);
    }),
    recordCredentialFailure: assign(({ context, event }) => {
      assertEvent(event, CREDENTIAL_FAILURES);
      return credentialRefused(context, event);
    }),
    openAfterFailures: assign(({ context, event }, params: { from: 'closed' | 'half_open' }) => {
      assertEvent(event, FAILURES);
      return openedByFailures(context, event, params.from);
    }),
    openUntilTrip: assign(({ context, event }) => {
      assertEvent(event, 'breaker.trip');
      return openedByTrip(context, event);
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
      assertEvent(event, 'credential.disable');
      return credentialDisabled(context, event);
    }),
    takePermit: assign(({ context }) => ({ probesInFlight: context.probesInFlight + 1 })),
    returnPermit: assign(({ context }) => ({ probesInFlight: Math.max(0, context.probesInFlight - 1) })),
    isolate: assign(({ context, event }) => isolated(context, event.at)),
    markIsolated: assign({ isolated: true }),
    unmarkIsolated: assign({ isolated: false }),
    release: assign(({ event }) => ({
      probesInFlight: 0,
      lastTransition: transition(event.at, 'isolated', 'half_open', 'released by operator'),
    })),
    adoptShared: assign(({ context, event }) => {
      assertEvent(event, 'cluster.synced');
      return adoptShared(context, event);
    }),
    applyConfig: assign(({ context, event }) => {
      assertEvent(event, 'config.changed');
      return configured(context, event);
    }),
    reset: assign(({ context, event }) => reset(context, event.at)),
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
    // A credential's failure says nothing of the pool's breaker, in every state.
    'credential.rate_limited': { actions: 'recordCredentialFailure' },
    'credential.rejected': { actions: 'recordCredentialFailure' },
    'credential.disable': { actions: 'disableCredential' },
    'operator.isolate': { target: '.isolated', actions: 'isolate' },
    'operator.reset': { target: '.closed', actions: 'reset' },
    'config.changed': { actions: 'applyConfig' },
    // Another instance's shared change (src/cluster): its mode and deadline, its credentials' rests.
    'cluster.synced': [
      { guard: { type: 'syncsTo', params: { mode: 'closed' } }, target: '.closed', actions: 'adoptShared' },
      { guard: { type: 'syncsTo', params: { mode: 'open' } }, target: '.open', actions: 'adoptShared' },
      { guard: { type: 'syncsTo', params: { mode: 'half_open' } }, target: '.half_open', actions: 'adoptShared' },
      { guard: { type: 'syncsTo', params: { mode: 'isolated' } }, target: '.isolated', actions: 'adoptShared' },
      { actions: 'adoptShared' },
    ],
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
        'health.probe.succeeded': { target: 'half_open', actions: 'enterHalfOpenHealthy' },
        'health.probe.failed': { actions: 'recordFailure' },
        // Active recovery (src/actors/recovery-prober.ts): fusebox's own probe closes or keeps it open.
        'recovery.probe.succeeded': { target: 'closed', actions: 'recordRecovery' },
        'recovery.probe.failed': { actions: 'recordFailure' },
      },
    },
    half_open: {
      on: {
        'probe.start': { guard: 'hasPermit', actions: 'takePermit' },
        'call.succeeded': [{ guard: 'isProbe', target: 'closed', actions: ['recordSuccess', 'close'] }, { actions: 'recordSuccess' }],
        'call.failed': [
          {
            guard: 'isProbe',
            target: 'open',
            actions: ['recordFailure', { type: 'openAfterFailures', params: { from: 'half_open' } }],
          },
          { actions: 'recordFailure' },
        ],
        // A probe's key was rate limited or refused: says nothing of the pool; another key may probe.
        'credential.rate_limited': [
          { guard: 'isProbe', actions: ['recordCredentialFailure', 'returnPermit'] },
          { actions: 'recordCredentialFailure' },
        ],
        'credential.rejected': [{ guard: 'isProbe', actions: ['recordCredentialFailure', 'returnPermit'] }, { actions: 'recordCredentialFailure' }],
        'call.released': { guard: 'isProbe', actions: 'returnPermit' },
        'health.probe.failed': {
          target: 'open',
          actions: ['recordFailure', { type: 'openAfterFailures', params: { from: 'half_open' } }],
        },
        'breaker.trip': { target: 'open', actions: 'openUntilTrip' },
      },
    },
    // Held open by an operator: no deadline, no probe, no health check and no trip lets it go.
    isolated: {
      entry: 'markIsolated',
      exit: 'unmarkIsolated',
      on: {
        'operator.release': { target: 'half_open', actions: 'release' },
        // Late results of calls that started before the isolation: health only.
        'call.succeeded': { actions: 'recordSuccess' },
        'call.failed': { actions: 'recordFailure' },
        'health.probe.failed': { actions: 'recordFailure' },
      },
    },
  },
});

export type BreakerMachine = typeof breakerMachine;
