import type { Logger } from 'pino';
import type { ActorTree } from '../actors/actor-tree.js';
import { createAccessTokens, type AccessTokens } from '../http/upstream/oauth-tokens.js';
import type { TokenTiming } from '../http/upstream/oauth-timing.js';
import type { RouteTable } from '../routing/route-table.js';
import type { Clock } from '../shared/clock.js';
import type { GrowingScrubber } from '../shared/secret-scrub.js';

export interface OAuthCredentialDeps {
  readonly tree: ActorTree;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly logScrubber: GrowingScrubber;
  /** The current generation's route table: the pools a refused credential is disabled in. */
  readonly table: () => RouteTable;
  readonly timing?: Partial<TokenTiming>;
}

/**
 * The gateway's access tokens (one manager for the gateway's life; each config generation's
 * transport reads it). Every token that arrives is taught to the log scrubber; a refresh token
 * the endpoint refused for good disables its credential in every pool of its backend with
 * `credential.disable` (reason `oauth_<error>`, never a secret), so routing passes it over
 * until its re-check.
 */
export function startOAuthCredentials(deps: OAuthCredentialDeps): AccessTokens {
  const { tree, clock } = deps;
  return createAccessTokens({
    clock,
    logger: deps.logger,
    ...(deps.timing ? { timing: deps.timing } : {}),
    learn: (secret) => deps.logScrubber.add([secret]),
    onPermanentFailure(backendId, credentialId, error) {
      const backend = deps.table().backends.find((route) => route.config.id === backendId);
      for (const poolActorId of backend?.poolActorIds.values() ?? []) {
        tree.send(poolActorId, { type: 'credential.disable', at: clock.now(), credentialId, reason: `oauth_${error}` });
      }
    },
  });
}
