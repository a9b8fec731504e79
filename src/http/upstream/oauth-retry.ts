import { secretKey } from '../../routing/route-table.js';
import type { AccessTokens } from './oauth-tokens.js';
import type { UpstreamTransport } from './transport.js';

/**
 * A 401 to a request sent with an OAuth credential's access token may only mean that token
 * was revoked or expired early: the token is refreshed once (joining a refresh already in
 * flight, or none when a newer token was issued meanwhile) and the request is sent once more.
 * Only that second answer reaches routing, so a pair is blamed only when a fresh token is refused too.
 */
export function refreshOnUnauthorized(
  transport: UpstreamTransport,
  tokens: Pick<AccessTokens, 'manages' | 'issued' | 'refreshAfterRejection'>,
): UpstreamTransport {
  return {
    poolFor: (baseUrl, connectMs) => transport.poolFor(baseUrl, connectMs),
    probeHeaders: (backend, credentialId) => transport.probeHeaders(backend, credentialId),
    close: () => transport.close(),
    async send(attempt, signal) {
      const key = secretKey(attempt.backend.id, attempt.credentialId);
      if (!tokens.manages(key)) return transport.send(attempt, signal);
      const issued = tokens.issued(key);
      const reply = await transport.send(attempt, signal);
      if (reply.kind !== 'response' || reply.status !== 401 || signal.aborted) return reply;
      reply.body.cancel('discarded');
      await tokens.refreshAfterRejection(key, issued);
      return transport.send(attempt, signal);
    },
  };
}
