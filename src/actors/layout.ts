import { createHmac } from 'node:crypto';
import type { BackendConfig, FuseboxConfig } from '../config/schema.js';
import type { BreakerInput, BreakerPolicy } from '../machines/breaker.js';

/**
 * Which actors a config asks for, and the ids they go by. Credentials are named by their
 * configured id or, without one, by an HMAC fingerprint of the secret (`fp-` + 12 hex digits):
 * the secret itself goes no further than `credentialId`.
 */
export const DEFAULT_POOL = 'default';

export const backendActorId = (backendId: string): string => `backend:${backendId}`;
export const baseUrlActorId = (backendId: string, index: number): string => `baseurl:${backendId}:${index}`;
export const poolActorId = (backendId: string, pool: string): string => `pool:${backendId}:${pool}`;

export function credentialId(credential: BackendConfig['credentials'][number], fingerprintKey: string): string {
  if (credential.id !== undefined) return credential.id;
  // The schema gives every credential without an id an apiKey (an oauth one needs an id).
  const digest = createHmac('sha256', fingerprintKey)
    .update(credential.apiKey ?? '')
    .digest('hex');
  return `fp-${digest.slice(0, 12)}`;
}

/** Re-open backoff defaults: ×2 per re-open within 5 minutes of closing, at most 30 minutes. */
export const REOPEN_DEFAULTS = { reopenMultiplier: 2, reopenWindowMs: 300_000, maxRecoveryMs: 1_800_000 } as const;

/** A configured breaker as the machine's policy, with the re-open defaults filled in. */
export function breakerPolicy(breaker: BackendConfig['breaker']): BreakerPolicy {
  const { failureRate, slowCallMs } = breaker;
  return {
    failureThreshold: breaker.failureThreshold,
    recoveryMs: breaker.recoveryMs,
    halfOpenProbes: breaker.halfOpenProbes,
    reopenMultiplier: breaker.reopenMultiplier ?? REOPEN_DEFAULTS.reopenMultiplier,
    reopenWindowMs: breaker.reopenWindowMs ?? REOPEN_DEFAULTS.reopenWindowMs,
    maxRecoveryMs: breaker.maxRecoveryMs ?? REOPEN_DEFAULTS.maxRecoveryMs,
    ...(failureRate ? { failureRate } : {}),
    ...(slowCallMs !== undefined ? { slowCallMs } : {}),
  };
}

/**
 * The model pools every backend gets a credential-pool actor for: each configured pool, then
 * `default` (for models no pool matches). Without `modelPools` in the config: `default` only.
 */
export function modelPoolNames(config: FuseboxConfig): string[] {
  return [...Object.keys(config.modelPools), DEFAULT_POOL];
}

export function actorLayout(config: FuseboxConfig, fingerprintKey: string): BreakerInput[] {
  const layout: BreakerInput[] = [];
  for (const backend of config.backends) {
    const policy = breakerPolicy(backend.breaker);
    // Active recovery probes backends and BaseURLs; pools open on capacity and keep their deadline.
    const routePolicy = backend.recovery ? { ...policy, activeRecovery: true } : policy;
    layout.push({ id: backendActorId(backend.id), role: 'backend', policy: routePolicy });
    backend.baseUrls.forEach((_url, index) => {
      layout.push({ id: baseUrlActorId(backend.id, index), role: 'baseurl', policy: routePolicy });
    });
    const credentials = backend.credentials.map((credential) => ({
      id: credentialId(credential, fingerprintKey),
      ...(credential.quota ? { quota: credential.quota } : {}),
      ...(credential.reserve !== undefined ? { reserve: credential.reserve } : {}),
    }));
    for (const pool of modelPoolNames(config)) {
      const poolBreaker = config.modelPools[pool]?.breaker;
      const poolPolicy = { ...(poolBreaker ? breakerPolicy(poolBreaker) : policy), credentialRecheck: backend.credentialRecheck };
      layout.push({ id: poolActorId(backend.id, pool), role: 'pool', policy: poolPolicy, credentials });
    }
  }
  return layout;
}
