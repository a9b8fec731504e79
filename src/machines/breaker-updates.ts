import { nextOpenStreak, openDurationMs, pushCall } from './breaker-policy.js';
import { carryOver, credentialCleared, credentialFailed, credentialRefusedBy, credentialSucceeded, freshCredential } from './credentials.js';
import { credentialList, credentialSlots, replaceSlots, succeededBySlot, toChunks, withCredential } from './credential-chunks.js';
import { freshHealth, recordFailure, recordSuccess, recordSuccesses } from './health.js';
import type { BreakerContext, BreakerInput, BreakerValue, EventOf, Transition } from './types.js';

/**
 * The breaker machine's context updates, as pure functions of the context and one event:
 * each returns the partial context its `assign` applies (see breaker.ts for when).
 */
type Update = Partial<BreakerContext>;

export function initialContext(input: BreakerInput): BreakerContext {
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

export function transition(at: number, from: BreakerValue, to: BreakerValue, reason: string): Transition {
  return { at, from, to, reason };
}

export function succeeded(context: BreakerContext, e: EventOf<'call.succeeded'>): Update {
  return {
    health: recordSuccess(context.health, e.at, e.latencyMs),
    calls: pushCall(context.policy, context.calls, true),
    credentialChunks: withCredential(context, e.credentialId, (c) => credentialSucceeded(c, e.at, e.latencyMs, e.quota)),
  };
}

export function succeededAll(context: BreakerContext, { calls }: EventOf<'calls.succeeded'>): Update {
  let window = context.calls;
  for (let i = 0; i < calls.length; i++) window = pushCall(context.policy, window, true);
  return {
    health: recordSuccesses(context.health, calls),
    calls: window,
    credentialChunks: replaceSlots(context.credentialChunks, succeededBySlot(context, calls)),
  };
}

/** An endpoint failure (a failed call or health check): health and the failure-rate window. */
export function failed(context: BreakerContext, e: EventOf<'call.failed' | 'health.probe.failed' | 'recovery.probe.failed'>): Update {
  return {
    health: recordFailure(context.health, e.at, e.code, 'latencyMs' in e ? e.latencyMs : undefined),
    calls: pushCall(context.policy, context.calls, false),
  };
}

/** A credential's 429 or 401/403: the pool's health and window, and the credential's own state. */
export function credentialRefused(context: BreakerContext, e: EventOf<'credential.rate_limited' | 'credential.rejected'>): Update {
  const limited = e.type === 'credential.rate_limited';
  return {
    health: recordFailure(context.health, e.at, e.code),
    calls: pushCall(context.policy, context.calls, false),
    credentialChunks: withCredential(context, e.credentialId, (c) =>
      limited
        ? credentialFailed(c, e.at, e.code, e.cooldownUntil, e.quota)
        : credentialRefusedBy(credentialFailed(c, e.at, e.code), e, context.policy.credentialRecheck),
    ),
  };
}

/** A sibling pool's refusal of the same credential: the same pair and disable rules, no call counted. */
export function credentialDisabled(context: BreakerContext, e: EventOf<'credential.disable'>): Update {
  const refusal = { at: e.at, code: e.reason, ...pick(e) };
  return { credentialChunks: withCredential(context, e.credentialId, (c) => credentialRefusedBy(c, refusal, context.policy.credentialRecheck)) };
}

function pick(e: EventOf<'credential.disable'>): { baseUrlIndex?: number; baseUrlCount?: number } {
  return {
    ...(e.baseUrlIndex === undefined ? {} : { baseUrlIndex: e.baseUrlIndex }),
    ...(e.baseUrlCount === undefined ? {} : { baseUrlCount: e.baseUrlCount }),
  };
}

export function openedByFailures(context: BreakerContext, e: EventOf<'call.failed' | 'health.probe.failed'>, from: 'closed' | 'half_open'): Update {
  const consecutive = context.health.consecutiveFailures >= context.policy.failureThreshold;
  const reason =
    from === 'half_open'
      ? `probe failed (${e.code})`
      : consecutive
        ? `${context.policy.failureThreshold} consecutive failures (last: ${e.code})`
        : `failure rate over ${context.policy.failureRate?.thresholdPercent}% (last: ${e.code})`;
  const openStreak = nextOpenStreak(context.policy, context.openStreak, context.closedAt, e.at, from === 'half_open');
  return {
    openUntil: e.at + openDurationMs(context.policy, openStreak),
    openStreak,
    calls: [],
    probesInFlight: 0,
    lastTransition: transition(e.at, from, 'open', reason),
  };
}

export function openedByTrip(context: BreakerContext, e: EventOf<'breaker.trip'>): Update {
  return {
    openUntil: Math.max(e.until, context.openUntil ?? 0),
    probesInFlight: 0,
    lastTransition: transition(e.at, context.lastTransition?.to ?? 'closed', 'open', e.reason),
  };
}

export function configured(context: BreakerContext, e: EventOf<'config.changed'>): Update {
  const credentials = carryOver(e.credentials.map(freshCredential), credentialList(context));
  return { policy: e.policy, credentialChunks: toChunks(credentials), credentialSlots: credentialSlots(credentials) };
}

export function isolated(context: BreakerContext, at: number): Update {
  return {
    openUntil: null,
    probesInFlight: 0,
    lastTransition: transition(at, context.lastTransition?.to ?? 'closed', 'isolated', 'isolated by operator'),
  };
}

export function reset(context: BreakerContext, at: number): Update {
  return {
    openUntil: null,
    probesInFlight: 0,
    calls: [],
    openStreak: 0,
    closedAt: null,
    health: freshHealth,
    credentialChunks: context.credentialChunks.map((chunk) => chunk.map(credentialCleared)),
    lastTransition: transition(at, context.lastTransition?.to ?? 'closed', 'closed', 'reset by operator'),
  };
}

/** An open breaker closed by a successful active-recovery probe. */
export function recovered(at: number): Update {
  return {
    openUntil: null,
    probesInFlight: 0,
    calls: [],
    closedAt: at,
    lastTransition: transition(at, 'open', 'closed', 'recovery probe succeeded'),
  };
}
