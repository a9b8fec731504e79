import type { BreakerEvent } from '../machines/types.js';

/**
 * Events of logs recorded before format 2, in today's vocabulary, with the same meaning.
 * Format 1 sent a credential's 429 and 401/403 as `call.failed` with payload fields the
 * breaker had to inspect: `cooldownUntil` (rate limited) or `disable: true` (refused).
 * Today these are `credential.rate_limited` and `credential.rejected`. Every other event
 * passes as it is. Pure.
 */
interface FormatOneFailure {
  readonly type: 'call.failed';
  readonly at: number;
  readonly probe: boolean;
  readonly code: string;
  readonly credentialId?: string;
  readonly cooldownUntil?: number;
  readonly disable?: boolean;
  readonly latencyMs?: number;
  readonly quota?: Extract<BreakerEvent, { type: 'credential.rate_limited' }>['quota'];
}

export function upgradeEvent(event: BreakerEvent): BreakerEvent {
  if (event.type !== 'call.failed') return event;
  const old = event as FormatOneFailure;
  const credentialId = old.credentialId ?? '';
  if (old.cooldownUntil !== undefined) {
    return {
      type: 'credential.rate_limited',
      at: old.at,
      probe: old.probe,
      code: old.code,
      credentialId,
      cooldownUntil: old.cooldownUntil,
      ...(old.quota === undefined ? {} : { quota: old.quota }),
    };
  }
  if (old.disable === true) return { type: 'credential.rejected', at: old.at, probe: old.probe, code: old.code, credentialId };
  if (old.credentialId === undefined && old.quota === undefined) return event;
  const { credentialId: _id, quota: _quota, ...endpoint } = old;
  return endpoint;
}
