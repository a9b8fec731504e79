import type { BreakerPolicy } from './breaker-policy.js';
import type { Health } from './health.js';

/**
 * The types the machines share: their events, inputs and contexts. Types only, importing
 * nothing but leaf modules (breaker-policy, health), so no machine module imports another
 * in a circle.
 */

export interface QuotaReading {
  readonly remaining: number;
  readonly limit: number;
  /** When the upstream's window resets (ms since the epoch); the reading is void after it. */
  readonly resetAt?: number;
}

/** One routine success, as carried by `calls.succeeded`. */
export interface CallSuccess {
  readonly at: number;
  readonly latencyMs?: number;
  readonly credentialId?: string;
  readonly quota?: QuotaReading;
}

export type QuotaPeriod = 'minute' | 'hour' | 'day';

export interface LocalQuota {
  readonly limit: number;
  readonly periodMs: number;
  readonly windowStart: number;
  readonly used: number;
}

/** The state a credential pool keeps per credential; the secret never appears, only the id. */
export interface CredentialState {
  readonly id: string;
  readonly health: Health;
  readonly cooldownUntil: number | null;
  /** Consecutive rate-limit cooldowns, for the exponential cooldown when no hint is given. */
  readonly cooldownStreak: number;
  /** Why the credential is disabled for the whole backend (401/403 from every BaseURL); null while enabled. */
  readonly disabled: string | null;
  /** While disabled: when it may be tried once again (a re-check); null: at once. */
  readonly disabledUntil: number | null;
  /** Disables in a row without a success between them: grows the time to the next re-check. */
  readonly disabledStreak: number;
  /** BaseURLs (by index) that refused this credential, each pair off until its own re-check time. */
  readonly refusedBy: readonly RefusedPair[];
  readonly quota: LocalQuota | null;
  /** The last reading of the upstream's rate-limit headers. */
  readonly upstreamQuota: (QuotaReading & { at: number }) | null;
  /** Share of the quota (0–1) kept back: under it, the credential is used only when no other is left. */
  readonly reserve: number;
}

/** One (BaseURL, credential) pair that answered 401/403: not tried again before `until`. */
export interface RefusedPair {
  readonly baseUrlIndex: number;
  readonly until: number;
}

export interface CredentialInput {
  readonly id: string;
  readonly quota?: { readonly requests: number; readonly per: QuotaPeriod };
  readonly reserve?: number;
}

/** What instances of a cluster share of a breaker actor (see breaker-shared.ts). */
export interface SharedBreaker {
  readonly mode: BreakerValue;
  readonly openUntil: number | null;
  readonly openStreak: number;
  readonly closedAt: number | null;
  /** Why the breaker is in `mode` (the last transition's reason). */
  readonly reason: string;
}

export interface SharedCredential {
  readonly id: string;
  readonly cooldownUntil: number | null;
  readonly cooldownStreak: number;
  readonly disabled: string | null;
  readonly disabledUntil: number | null;
  readonly disabledStreak: number;
  readonly refusedBy: readonly RefusedPair[];
}

/** A pool's credentials in fixed-size chunks (see credential-chunks.ts). */
export type CredentialChunks = readonly (readonly CredentialState[])[];

export type ActorRole = 'backend' | 'baseurl' | 'pool';

export interface BreakerInput {
  readonly id: string;
  readonly role: ActorRole;
  readonly policy: BreakerPolicy;
  readonly credentials?: readonly CredentialInput[];
}

/**
 * What traffic a breaker lets through: `closed` all, `half_open` its probes, `open` none.
 * An isolated breaker lets none through: it reads as `open` to routing, metrics and the admin API.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * The breaker machine's state value: the traffic states plus `isolated` (held open by an
 * operator; no deadline, no probe and no health check lets it go, only release or reset).
 */
export type BreakerValue = BreakerState | 'isolated';

export interface Transition {
  readonly at: number;
  readonly from: BreakerValue;
  readonly to: BreakerValue;
  readonly reason: string;
}

export interface BreakerContext {
  readonly id: string;
  readonly role: ActorRole;
  readonly policy: BreakerPolicy;
  /** Set exactly while `open` (when it may probe again); null while isolated or closed. */
  readonly openUntil: number | null;
  readonly probesInFlight: number;
  readonly health: Health;
  /** A pool's credentials in layout order, chunked (none for backends and BaseURLs). */
  readonly credentialChunks: CredentialChunks;
  /** Position (slot) of each credential id in layout order; fixed for the actor's life. */
  readonly credentialSlots: Readonly<Record<string, number>>;
  readonly lastTransition: Transition | null;
  /**
   * True exactly while the machine is in `isolated`: written only by that state's entry and
   * exit, never read by a guard. For readers that have a context and no state value.
   */
  readonly isolated: boolean;
  /** Outcomes in the failure-rate window since the breaker last closed (true = success). */
  readonly calls: readonly boolean[];
  /** Re-opens in a row soon after closing; grows the open time. */
  readonly openStreak: number;
  /** When the breaker last closed after a probe, for the re-open rule. */
  readonly closedAt: number | null;
}

/**
 * Every event an actor accepts. Each carries its own time (`at`, ms since the epoch), so a
 * recorded stream of events replays to the same states under a simulated clock.
 * No event carries a secret: credentials are named by id.
 */
export type BreakerEvent =
  /** Take a half-open probe permit (sent by the router before a probing attempt). */
  | { type: 'probe.start'; at: number }
  | {
      type: 'call.succeeded';
      at: number;
      probe: boolean;
      latencyMs?: number;
      credentialId?: string;
      quota?: QuotaReading;
    }
  /**
   * Routine successes of a closed breaker (no probes) that arrived within a few ms of each other,
   * delivered together (see actor-tree.ts): the same as one `call.succeeded` per entry, in order.
   */
  | { type: 'calls.succeeded'; at: number; calls: readonly CallSuccess[] }
  /** A failure of the endpoint (backend, BaseURL): counts towards opening the breaker. */
  | {
      type: 'call.failed';
      at: number;
      probe: boolean;
      /** A short stable code: `http_503`, `connect_refused`, `timeout_first_chunk`, `slow_call`… */
      code: string;
      /** Time to first byte, when the call got that far (a slow call still has one). */
      latencyMs?: number;
    }
  /**
   * A pool's credential was rate limited (429): it rests until `cooldownUntil`. Counts in the
   * pool's health, never opens the pool's breaker; a probe's permit goes back (another key may probe).
   */
  | {
      type: 'credential.rate_limited';
      at: number;
      probe: boolean;
      code: string;
      credentialId: string;
      cooldownUntil: number;
      /** Which of the backend's BaseURLs answered (absent in events migrated from older logs). */
      baseUrlIndex?: number;
      /** The upstream's rate-limit headers on this answer. */
      quota?: QuotaReading;
    }
  /**
   * A pool's credential was refused (401/403) by the BaseURL `baseUrlIndex` of `baseUrlCount`:
   * that pair is off until its re-check time; once every BaseURL has refused it, the credential
   * is disabled until its re-check time (see credentials.ts `credentialRefusedBy`). Without
   * `baseUrlIndex` (events migrated from older logs) one refusal disables it. Counts like
   * `credential.rate_limited`.
   */
  | {
      type: 'credential.rejected';
      at: number;
      probe: boolean;
      code: string;
      credentialId: string;
      baseUrlIndex?: number;
      baseUrlCount?: number;
    }
  /** The same refusal without counting a call (a sibling pool's credential was refused). */
  | { type: 'credential.disable'; at: number; credentialId: string; reason: string; baseUrlIndex?: number; baseUrlCount?: number }
  /** A call that says nothing about health (client disconnect, client error): give back the permit. */
  | { type: 'call.released'; at: number; probe: boolean }
  /** Active health check of a BaseURL failed (5xx, 408, network, timeout): counts like a failed call. */
  | { type: 'health.probe.failed'; at: number; code: string }
  /** Active health check answered: an open breaker goes half_open (an isolated one stays). */
  | { type: 'health.probe.succeeded'; at: number; latencyMs?: number }
  /** Active recovery probe of an open breaker answered: it closes (unless isolated). */
  | { type: 'recovery.probe.succeeded'; at: number; latencyMs?: number }
  /** Active recovery probe of an open breaker failed: it stays open (health records the failure). */
  | { type: 'recovery.probe.failed'; at: number; code: string; latencyMs?: number }
  /** Time passes: an open breaker whose deadline has come goes half_open. */
  | { type: 'clock.tick'; at: number }
  /** Open at once until `until`, whatever the counters say (capacity exhausted). */
  | { type: 'breaker.trip'; at: number; until: number; reason: string }
  /** Operator: move to `isolated` until released or reset. */
  | { type: 'operator.isolate'; at: number }
  /** Operator: end an isolation; the next call is a half-open probe. */
  | { type: 'operator.release'; at: number }
  /** Operator: close and forget counters, cooldowns, refusals and disabled flags. */
  | { type: 'operator.reset'; at: number }
  /**
   * Config reload: new policy and credential list for this actor. Learned state is kept
   * (credentials that remain keep health, cooldowns, disabled flags and quota use; new ones
   * start fresh; removed ones are dropped); the breaker state and its deadline are kept.
   */
  | { type: 'config.changed'; at: number; policy: BreakerPolicy; credentials: readonly CredentialInput[] }
  /**
   * Another instance of the cluster changed shared state (see breaker-shared.ts): adopt its
   * breaker mode and deadline (when `breaker` is given and differs) and these credentials'
   * cooldowns and disabled flags. Never published again: only an instance's own changes are.
   */
  | { type: 'cluster.synced'; at: number; breaker?: SharedBreaker; credentials?: readonly SharedCredential[] };

export type BreakerEventType = BreakerEvent['type'];

export type EventOf<T extends BreakerEventType> = Extract<BreakerEvent, { type: T }>;
