import { createHmac } from 'node:crypto';
import type { BackendConfig, FuseboxConfig } from '../config/schema.js';
import type { BreakerInput } from '../machines/breaker.js';

/**
 * Which actors a config asks for, and the ids they go by. Credentials are named by their
 * configured id or, without one, by an HMAC fingerprint of the secret (`fp-` + 12 hex digits):
 * the secret itself goes no further than `credentialId`.
 */
export const DEFAULT_POOL = 'default';

export const backendActorId = (backendId: string): string => `backend:${backendId}`;
export const baseUrlActorId = (backendId: string, index: number): string => `baseurl:${backendId}:${index}`;
export const poolActorId = (backendId: string, pool: string): string => `pool:${backendId}:${pool}`;

export function credentialId(
  credential: BackendConfig['credentials'][number],
  fingerprintKey: string,
): string {
  if (credential.id !== undefined) return credential.id;
  const digest = createHmac('sha256', fingerprintKey).update(credential.apiKey).digest('hex');
  return `fp-${digest.slice(0, 12)}`;
}

export function actorLayout(config: FuseboxConfig, fingerprintKey: string): BreakerInput[] {
  const layout: BreakerInput[] = [];
  for (const backend of config.backends) {
    const policy = backend.breaker;
    layout.push({ id: backendActorId(backend.id), role: 'backend', policy });
    backend.baseUrls.forEach((_url, index) => {
      layout.push({ id: baseUrlActorId(backend.id, index), role: 'baseurl', policy });
    });
    layout.push({
      id: poolActorId(backend.id, DEFAULT_POOL),
      role: 'pool',
      policy,
      credentials: backend.credentials.map((credential) => ({
        id: credentialId(credential, fingerprintKey),
        ...(credential.quota ? { quota: credential.quota } : {}),
      })),
    });
  }
  return layout;
}
