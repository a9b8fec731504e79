import type { Logger } from 'pino';
import type { ActorTree } from '../actors/actor-tree.js';
import type { Clock } from '../shared/clock.js';
import { actorLayout } from '../actors/layout.js';
import { ConfigError } from '../config/load.js';
import type { FuseboxConfig } from '../config/schema.js';
import { FuseboxError } from '../shared/errors.js';
import { listenRefusal } from '../http/server/listen-policy.js';
import { configSecrets, type GrowingScrubber } from '../shared/secret-scrub.js';
import { createAdminFeed, type AdminFeed } from '../http/admin/event-feed.js';
import { createOperatorRoutes, type OperatorRoutes, type ReloadOutcome } from '../http/admin/admin-routes.js';
import { actorReport } from '../http/admin/actor-report.js';
import { createMetrics, type Metrics } from '../http/admin/metrics.js';
import { mirrorHosts } from '../http/admin/status-page.js';
import type { LiveRouting } from './live-routing.js';
import { createUsageLedger, type UsageLedger } from '../routing/usage-ledger.js';
import { LIVE_SERVER_SETTINGS } from './generation.js';
import type { ClusterView } from '../shared/cluster-view.js';

/**
 * Everything an operator sees and does, wired once by the composition root: the admin
 * token, the admin SSE feed, Prometheus metrics, the usage ledger (GET /admin/usage, client
 * key limits), the /admin, /metrics and /status routes, and config reload (POST /admin/reload, SIGHUP).
 *
 * Reload re-reads the config with `loadConfig`, then in one synchronous step makes its
 * generation current (live-routing.ts: routes, transport, routing settings, forwarded headers,
 * timeouts, the admin token, client keys, CORS, allowed Hosts, maxResponseBytes) and
 * reconciles the actors (unchanged ones keep their state); requests in flight finish on the
 * generation they were admitted with. The rest of the server section (address, limits,
 * timeouts), dataDir and the event log are read at start only: changing them needs a restart,
 * and the reload answer says which of them changed. A config that does not parse changes nothing.
 */
export interface Operator {
  readonly routes: OperatorRoutes;
  readonly metrics: Metrics;
  readonly feed: AdminFeed;
  readonly usage: UsageLedger;
  /** Null when the gateway has no config source to re-read. */
  readonly reload: (() => Promise<ReloadOutcome & { restartRequired: readonly string[] }>) | null;
  close(): void;
}

export interface OperatorOptions {
  readonly tree: ActorTree;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Learns a reloaded config's secrets before anything about it is logged. */
  readonly logScrubber?: GrowingScrubber;
  readonly fingerprintKey: string;
  readonly routing: LiveRouting;
  /** The config the gateway started with: what start-only settings are compared against. */
  readonly startConfig: FuseboxConfig;
  readonly loadConfig?: () => FuseboxConfig | Promise<FuseboxConfig>;
  /** This instance's membership of a cluster, for /metrics. */
  readonly cluster?: ClusterView;
}

export function startOperator(options: OperatorOptions): Operator {
  const { tree, clock, logger, routing } = options;
  const feed = createAdminFeed({ tree, clock });
  const metrics = createMetrics(tree, clock, options.cluster);
  const usage = createUsageLedger(clock.now());
  const loadConfig = options.loadConfig;
  const reload = loadConfig
    ? async () => {
        const next = await readConfig(loadConfig);
        const started = options.startConfig;
        const refusal = listenRefusal({ host: started.server.host, apiKeys: next.server.apiKeys });
        if (refusal) throw new FuseboxError('invalid_config', `${refusal}\n(nothing was changed)`);
        options.logScrubber?.add(configSecrets(next));
        const restartRequired = needsRestart(started, next);
        // Routes first, then actors, in one synchronous step: fleet$ subscribers (the health
        // checker) already see the new config.
        routing.apply(next);
        const report = tree.reconcile(actorLayout(next, options.fingerprintKey), clock.now());
        const outcome = { ok: true as const, ...report, restartRequired };
        logger.info({ added: report.added, removed: report.removed, updated: report.updated, restartRequired }, 'config reloaded');
        feed.publish('fleet', { ...outcome, now: clock.now(), actors: tree.ids.map((id) => actorReport(tree.view(id), clock.now())) });
        return outcome;
      }
    : null;
  const routes = createOperatorRoutes({
    tree,
    clock,
    logger,
    feed,
    metrics,
    usage: () => usage.report(clock.now()),
    auth: () => routing.current.adminAuth,
    reload,
    hosts: () => mirrorHosts(routing.current.config.backends),
  });
  return {
    routes,
    metrics,
    feed,
    usage,
    reload,
    close() {
      feed.close();
      metrics.close();
    },
  };
}

async function readConfig(loadConfig: () => FuseboxConfig | Promise<FuseboxConfig>): Promise<FuseboxConfig> {
  try {
    return await loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new FuseboxError('invalid_config', `${error.message}\n(nothing was changed)`);
    throw error;
  }
}

/** Settings read at start only, that differ between the running config and `next`. */
function needsRestart(running: FuseboxConfig, next: FuseboxConfig): string[] {
  const changed: string[] = [];
  const server = withoutLive(running.server);
  const nextServer = withoutLive(next.server);
  for (const key of Object.keys({ ...server, ...nextServer })) {
    const k = key as keyof typeof server;
    if (JSON.stringify(server[k]) !== JSON.stringify(nextServer[k])) changed.push(`server.${key}`);
  }
  for (const key of ['dataDir', 'eventLog', 'cluster'] as const) {
    if (JSON.stringify((running as Record<string, unknown>)[key]) !== JSON.stringify((next as Record<string, unknown>)[key])) changed.push(key);
  }
  return changed;
}

function withoutLive(server: FuseboxConfig['server']): Partial<FuseboxConfig['server']> {
  const live: ReadonlySet<string> = new Set(LIVE_SERVER_SETTINGS);
  return Object.fromEntries(Object.entries(server).filter(([key]) => !live.has(key)));
}
