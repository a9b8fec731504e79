import type { Logger } from 'pino';
import type { FuseboxConfig } from '../config/schema.js';
import { createAdminAuth, type AdminAuth } from '../http/admin/admin-auth.js';
import { guardUpstream } from '../http/upstream/guard.js';
import { createUpstreamTransport, type UpstreamTransport } from '../http/upstream/transport.js';
import { refreshOnUnauthorized } from '../http/upstream/oauth-retry.js';
import type { AccessTokens } from '../http/upstream/oauth-tokens.js';
import type { RoutingGeneration } from '../routing/generation.js';
import { createRetryBudget } from '../routing/retry-budget.js';
import { buildRouteTable, credentialSecrets, secretKey } from '../routing/route-table.js';
import type { Clock } from '../shared/clock.js';
import { configSecrets, createScrubber, type Scrubber } from '../shared/secret-scrub.js';

/**
 * One config generation: everything a reload may change, built from one config and never
 * changed afterwards (only `withdrawn` grows, see routing/generation.ts). Requests take theirs
 * at admission; the operator's controls and the health checker read the current one each time.
 * Of the server section, only LIVE_SERVER_SETTINGS change with a generation (see `server`);
 * the rest, `dataDir` and `eventLog` are read at start only.
 */
export interface Generation extends RoutingGeneration {
  /** The config this generation was built from. */
  readonly config: FuseboxConfig;
  /** The server settings requests see: the start config's, with LIVE_SERVER_SETTINGS from `config`. */
  readonly server: FuseboxConfig['server'];
  /** The guarded undici transport; also the health probes' pools and probe headers. */
  readonly transport: UpstreamTransport;
  /** The admin token check (`server.adminToken`). */
  readonly adminAuth: AdminAuth;
  readonly withdrawn: Set<string>;
}

/** Server settings a reload applies at once; every other `server.*` is read at start only. */
export const LIVE_SERVER_SETTINGS = ['adminToken', 'apiKeys', 'cors', 'allowedHosts', 'maxResponseBytes'] as const;

export interface GenerationDeps {
  /** The config the gateway started with: the server settings a reload does not change. */
  readonly startConfig: FuseboxConfig;
  /** Names credentials without an id: the secrets are keyed as the actors know them. */
  readonly fingerprintKey: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The OAuth credentials' access tokens; they outlive generations (the gateway reconciles them with each config). */
  readonly tokens?: AccessTokens;
  /**
   * Every secret the gateway has known, access tokens included (the log's scrubber): the guard of
   * a config with OAuth credentials screens with it, as its tokens arrive after the generation is built.
   */
  readonly seenSecrets?: Scrubber;
}

export function buildGeneration(config: FuseboxConfig, previous: Generation | null, deps: GenerationDeps): Generation {
  const { tokens } = deps;
  const secrets = credentialSecrets(config, deps.fingerprintKey);
  const direct = createUpstreamTransport({ secrets, clock: deps.clock, ...(tokens ? { tokens } : {}) });
  const usesOAuth = config.backends.some((backend) => backend.credentials.some((credential) => credential.oauth !== undefined));
  const upstream = usesOAuth && tokens ? refreshOnUnauthorized(direct, tokens) : direct;
  const transport = guardUpstream(upstream, {
    scrubber: usesOAuth && deps.seenSecrets ? deps.seenSecrets : createScrubber(configSecrets(config)),
    baseUrls: config.backends.flatMap((b) => b.baseUrls),
    logger: deps.logger,
  });
  const budget = config.routing.retryBudget;
  const sameBudget = previous !== null && JSON.stringify(previous.config.routing.retryBudget) === JSON.stringify(budget);
  return {
    config,
    server: liveServer(deps.startConfig.server, config.server),
    table: buildRouteTable(config, usesOAuth && tokens ? (backendId, credentialId) => tokens.pending(secretKey(backendId, credentialId)) : undefined),
    transport,
    forwardHeaders: new Set(config.backends.flatMap((b) => b.forwardHeaders)),
    maxAttempts: config.routing.maxAttempts,
    // The window's counts belong to the budget: an unchanged budget keeps counting across a reload.
    retryBudget: sameBudget ? previous.retryBudget : createRetryBudget(budget),
    waitForRecoveryMs: config.routing.waitForRecoveryMs,
    sameModelRetry: { maxMs: config.routing.sameModelRetryMaxMs, backoffMs: config.routing.sameModelRetryBackoffMs },
    maxResponseBytes: config.server.maxResponseBytes,
    streamResume: config.streams.resume,
    adminAuth: createAdminAuth(config.server.adminToken),
    withdrawn: new Set(),
  };
}

/**
 * The ids of `older`'s backends that are not in `newer` with the same settings and actors:
 * requests still on `older` must not plan on them any more.
 */
export function withdrawnBackends(older: RoutingGeneration, newer: RoutingGeneration): string[] {
  const kept = new Map(newer.table.backends.map((b) => [b.config.id, b]));
  return older.table.backends
    .filter((backend) => {
      const same = kept.get(backend.config.id);
      if (!same || JSON.stringify(same.config) !== JSON.stringify(backend.config)) return true;
      return JSON.stringify([...same.poolActorIds]) !== JSON.stringify([...backend.poolActorIds]);
    })
    .map((backend) => backend.config.id);
}

function liveServer(started: FuseboxConfig['server'], next: FuseboxConfig['server']): FuseboxConfig['server'] {
  const server: Record<string, unknown> = { ...started };
  for (const key of LIVE_SERVER_SETTINGS) server[key] = next[key];
  return server as FuseboxConfig['server'];
}
