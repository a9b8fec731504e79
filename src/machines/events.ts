import type { BreakerPolicy } from './breaker-policy.js';
import type { CredentialInput } from './credentials.js';
/**
 * Every event an actor accepts. Each carries its own time (`at`, ms since the epoch), so a
 * recorded stream of events replays to the same states under a simulated clock.
 * No event carries a secret: credentials are named by id.
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
  | {
      type: 'call.failed';
      at: number;
      probe: boolean;
      /** A short stable code: `http_503`, `connect_refused`, `timeout_first_chunk`, `http_429`… */
      code: string;
      credentialId?: string;
      /** For credential-scope failures: the credential rests until then. */
      cooldownUntil?: number;
      /** For 401/403: the credential is disabled until reset. */
      disable?: boolean;
      /** Time to first byte, when the call got that far (a slow call still has one). */
      latencyMs?: number;
      /** The upstream's rate-limit headers on this failure (a 429 often carries them). */
      quota?: QuotaReading;
    }
  /** Disable one credential without counting a call (a sibling pool's credential failed auth). */
  | { type: 'credential.disable'; at: number; credentialId: string; reason: string }
  /** A call that says nothing about health (client disconnect, client error): give back the permit. */
  | { type: 'call.released'; at: number; probe: boolean }
  /** Active health check of a BaseURL failed (5xx, 408, network, timeout): counts like a failed call. */
  | { type: 'health.probe.failed'; at: number; code: string }
  /** Active health check answered: an open breaker goes half_open (unless isolated); else nothing. */
  | { type: 'health.probe.succeeded'; at: number; latencyMs?: number }
  /** Active recovery probe of an open breaker answered: it closes (unless isolated). */
  | { type: 'recovery.probe.succeeded'; at: number; latencyMs?: number }
  /** Active recovery probe of an open breaker failed: it stays open (health records the failure). */
  | { type: 'recovery.probe.failed'; at: number; code: string; latencyMs?: number }
  /** Time passes: an open breaker whose deadline has come goes half_open. */
  | { type: 'clock.tick'; at: number }
  /** Open at once until `until`, whatever the counters say (capacity exhausted). */
  | { type: 'breaker.trip'; at: number; until: number; reason: string }
  /** Operator: force open until released or reset. */
  | { type: 'operator.isolate'; at: number }
  /** Operator: end an isolation; the next call is a half-open probe. */
  | { type: 'operator.release'; at: number }
  /** Operator: close and forget counters, cooldowns and disabled flags. */
  | { type: 'operator.reset'; at: number }
  /**
   * Config reload: new policy and credential list for this actor. Learned state is kept
   * (credentials that remain keep health, cooldowns, disabled flags and quota use; new ones
   * start fresh; removed ones are dropped); the breaker state and its deadline are kept.
   */
  | { type: 'config.changed'; at: number; policy: BreakerPolicy; credentials: readonly CredentialInput[] };

export type BreakerEventType = BreakerEvent['type'];
