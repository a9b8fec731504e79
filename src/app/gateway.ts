import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { FuseboxConfig } from '../config/schema.js';
import type { ActorTree, ActorTreeOptions } from '../actors/actor-tree.js';
import { startFleetMemory } from './fleet-memory.js';
import { openSnapshotStore, type SnapshotStore } from '../persistence/snapshot-store.js';
import { fuseboxVersion } from '../shared/version.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { startDeadlineTicker } from '../actors/deadline-ticker.js';
import { startHealthChecker } from '../actors/health-checker.js';
import { createHealthProbe } from '../http/upstream/health-probe.js';
import { createHttpServer } from '../http/server/server.js';
import { createRequestHandler, type RequestSummary } from '../routing/handle-request.js';
import { upstreamErrorKind } from '../http/protocols/context-errors.js';
import { createPipeline } from '../routing/pipeline.js';
import type { Random } from '../routing/random.js';
import { FuseboxError } from '../shared/errors.js';
import { afterIo } from '../shared/after-io.js';
import type { Job } from '../routing/types.js';
import { createLogger, type OwnedLogger } from '../shared/log.js';
import { directLine } from '../shared/log-direct.js';
import { requestLine } from './request-line.js';
import { isLoopbackHost, ListenRefusedError, listenRefusal } from '../http/server/listen-policy.js';
import { createBackendSlots } from '../routing/backend-slots.js';
import { configSecrets, createGrowingScrubber, type GrowingScrubber } from '../shared/secret-scrub.js';
import { buildGeneration } from './generation.js';
import { createLiveRouting } from './live-routing.js';
import { startOperator } from './operator.js';
import { createModelCatalog } from './model-catalog.js';
import { fetchModelIds } from '../http/upstream/model-fetch.js';
import { startOAuthCredentials } from './oauth-credentials.js';
import type { TokenTiming } from '../http/upstream/oauth-timing.js';
import { joinCluster } from '../cluster/cluster.js';
import type { ClusterView } from '../shared/cluster-view.js';

/**
 * The composition root: builds the actors, the routing pipeline and the HTTP server from one
 * config, with every dependency (logger, clock, random source) passed in.
 */
export interface GatewayDeps {
  /** The caller's logger (the caller closes it); without one the gateway makes its own and closes it with `close()`. */
  readonly logger?: Logger;
  /** The scrubber behind `logger`'s lines: a config reload teaches it the new secrets at once. */
  readonly logScrubber?: GrowingScrubber;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Key of the HMAC that names credentials without an id. */
  readonly fingerprintKey?: string;
  readonly inspect?: ActorTreeOptions['inspect'];
  /** Remember actor state here (see `openGateway`); the gateway owns and closes it. */
  readonly store?: SnapshotStore;
  /** Record every actor event to this NDJSON file (overrides config `eventLog`). */
  readonly eventLog?: string;
  /** Re-reads the config, for POST /admin/reload and SIGHUP; without it, reload is unavailable. */
  readonly loadConfig?: () => FuseboxConfig | Promise<FuseboxConfig>;
  /** When OAuth credentials' tokens are refreshed and retried (defaults in oauth-timing.ts). */
  readonly tokenTiming?: Partial<TokenTiming>;
}

export interface Gateway {
  readonly config: FuseboxConfig;
  readonly actors: ActorTree;
  /** This instance's membership of a cluster (config `cluster`); null when it is alone. */
  readonly cluster: ClusterView | null;
  /** Starts listening on the configured host and port (port 0 picks a free one). */
  listen(): Promise<AddressInfo>;
  /** The base URL clients use, once listening (e.g. http://127.0.0.1:8765/v1). */
  readonly url: string;
  /** Stops taking requests, lets in-flight ones finish, then releases everything. */
  close(): Promise<void>;
  /** Re-reads the config (deps.loadConfig) and reconciles actors and routes (see operator.ts). */
  reload(): Promise<unknown>;
}

export function createGateway(config: FuseboxConfig, deps: GatewayDeps = {}): Gateway {
  const log = gatewayLogger(config, deps);
  try {
    return assemble(config, { ...deps, logger: log.logger, logScrubber: log.logScrubber }, log.owned);
  } catch (error) {
    log.owned?.close();
    throw error;
  }
}

/** The gateway proper; `ownLog`, when the gateway made its own logger, is closed last by `close()`. */
function assemble(
  config: FuseboxConfig,
  deps: GatewayDeps & Required<Pick<GatewayDeps, 'logger' | 'logScrubber'>>,
  ownLog: OwnedLogger | null,
): Gateway {
  const { logger, logScrubber } = deps;
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const eventLog = deps.eventLog ?? config.eventLog;
  const memory = startFleetMemory(config, {
    clock,
    logger,
    version: fuseboxVersion(),
    ...(deps.store ? { store: deps.store } : {}),
    ...(eventLog ? { eventLog } : {}),
    ...(deps.fingerprintKey ? { fingerprintKey: deps.fingerprintKey } : {}),
    ...(deps.inspect ? { inspect: deps.inspect } : {}),
  });
  const { tree: actors, fingerprintKey } = memory;
  const cluster = config.cluster ? joinCluster(config.cluster, { tree: actors, logger }) : null;
  const ticker = startDeadlineTicker(actors, clock);
  const timing = deps.tokenTiming ? { timing: deps.tokenTiming } : {};
  const tokens = startOAuthCredentials({ tree: actors, clock, logger, logScrubber, table: () => routing.current.table, ...timing });
  const routing = createLiveRouting(
    config,
    (next, previous) => {
      // Tokens of unchanged credentials are kept; new ones are fetched, removed ones dropped.
      tokens.reconcile(next);
      return buildGeneration(next, previous, { startConfig: config, fingerprintKey, clock, logger, tokens, seenSecrets: logScrubber });
    },
    (error) => logger.warn({ err: error }, 'could not close a retired upstream transport'),
  );
  const health = startHealthChecker({
    config: () => routing.current.config,
    tree: actors,
    clock,
    probe: (backend, index, signal, options) =>
      routing.using((generation) => createHealthProbe(generation.transport, clock)(backend, index, signal, options)),
    logger,
  });
  const fleetChanges = actors.fleet$.subscribe(() => health.resync());
  const models = createModelCatalog({
    clock,
    logger,
    config: () => routing.current.config,
    fetch: (backend, signal) =>
      routing.using((generation) => fetchModelIds(generation.transport, backend, signal, clock, generation.config.modelListing.timeoutMs)),
  });
  const operator = startOperator({
    tree: actors,
    clock,
    logger,
    logScrubber,
    fingerprintKey,
    routing,
    startConfig: config,
    ...(deps.loadConfig ? { loadConfig: deps.loadConfig } : {}),
    ...(cluster ? { cluster: cluster.view } : {}),
  });
  const handleRequest = createRequestHandler({
    tree: actors,
    random,
    clock,
    slots: createBackendSlots(),
    errorKinds: upstreamErrorKind,
    explain: () => logger.isLevelEnabled('debug'),
    ...(cluster ? { permits: cluster.permits } : {}),
  });
  // The request line holds ids, codes and numbers only (request-line.ts): written without a redaction pass.
  const requestLog = directLine(logger, 'info', 'request');
  const scrubModel = (model: string) => logScrubber.scrub(model);
  const finished = afterIo(
    (job: Job, summary: RequestSummary, ms: number) => {
      operator.metrics.observeRequest(job, summary, ms);
      operator.usage.record(job, summary, clock.now());
      requestLog(requestLine(job, summary, ms, scrubModel));
      if (logger.isLevelEnabled('debug'))
        logger.debug({ reqId: job.id, considered: summary.considered, skipped: summary.skipped }, 'route decisions');
    },
    (error) => logger.error({ err: error }, 'could not record a finished request'),
  );
  const pipeline = createPipeline<RequestSummary>({
    maxConcurrent: config.server.maxConcurrent,
    maxQueued: config.server.maxQueued,
    // The generation was held when the job was submitted (below); it is released when the job ends (onEnd).
    handle: handleRequest,
    onEnd: (_job, generation) => routing.release(generation),
    onDone: (job, summary) => finished.push(job, summary, clock.now() - job.receivedAt),
    onError: (job, error) => {
      logger.error({ reqId: job.id, err: error }, 'request failed unexpectedly');
      job.sink.fail(new FuseboxError('internal_error', 'internal error'));
    },
  });

  let closing = false;
  const server = createHttpServer({
    config,
    currentServer: () => routing.current.server,
    generation: () => routing.current,
    pipeline: {
      submit(job, generation) {
        routing.hold(generation);
        if (pipeline.submit(job, generation)) return true;
        routing.release(generation);
        return false;
      },
    },
    logger,
    clock,
    closing: () => closing,
    operator: operator.routes,
    upstreamModels: models,
    accounting: {
      admit: (keyId, limits, now) => operator.usage.admit(keyId, limits, now),
      refused: (error) => operator.metrics.observeRefused(error),
    },
    ...(cluster ? { cluster: cluster.view } : {}),
  });
  let address: AddressInfo | null = null;

  return {
    config,
    actors,
    cluster: cluster?.view ?? null,
    get url() {
      if (!address) throw new Error('the gateway is not listening');
      return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/v1`;
    },
    listen() {
      const refusal = listenRefusal(config.server);
      if (refusal) return Promise.reject(new ListenRefusedError(refusal));
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.server.port, config.server.host, () => {
          server.off('error', reject);
          address = server.address() as AddressInfo;
          if (!isLoopbackHost(address.address)) {
            logger.warn(
              { host: address.address, port: address.port },
              'fusebox is listening beyond loopback: every request must carry a client API key',
            );
          }
          resolve(address);
        });
      });
    },
    reload() {
      return operator.reload ? operator.reload() : Promise.reject(new FuseboxError('reload_unavailable', 'no config source to re-read'));
    },
    async close() {
      closing = true;
      operator.close();
      await server.closeGracefully(() => pipeline.drain(), config.server.shutdownGraceMs);
      pipeline.close();
      finished.flush();
      ticker.stop();
      fleetChanges.unsubscribe();
      health.stop();
      models.close();
      await routing.close();
      await tokens.close();
      await cluster?.close();
      await memory.close();
      ownLog?.close();
    },
  };
}

/** The logger the gateway was given, or its own (`owned`), with the scrubber a reload must teach. */
function gatewayLogger(config: FuseboxConfig, deps: GatewayDeps): { logger: Logger; logScrubber: GrowingScrubber; owned: OwnedLogger | null } {
  const logScrubber = deps.logScrubber ?? createGrowingScrubber(configSecrets(config));
  if (deps.logger) return { logger: deps.logger, logScrubber, owned: null };
  const owned = createLogger({ scrubber: logScrubber });
  return { logger: owned.logger, logScrubber, owned };
}

/**
 * `createGateway` with memory: opens the snapshot store under `config.dataDir` first (or uses
 * `deps.store`), so actors start as they were left. Throws `DataDirLockedError` when another
 * process holds the directory; a corrupt store is moved aside and replaced (see snapshot-store).
 */
export async function openGateway(config: FuseboxConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const log = gatewayLogger(config, deps);
  const { logger, logScrubber } = log;
  const clock = deps.clock ?? systemClock;
  try {
    const store = deps.store ?? (await openSnapshotStore({ dataDir: config.dataDir, logger, now: () => clock.now() }));
    try {
      return assemble(config, { ...deps, logger, logScrubber, store }, log.owned);
    } catch (error) {
      await store.close();
      throw error;
    }
  } catch (error) {
    log.owned?.close();
    throw error;
  }
}
