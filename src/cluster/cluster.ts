import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ActorTree } from '../actors/actor-tree.js';
import { redactedRedisUrl } from '../config/cluster-schema.js';
import type { FuseboxConfig } from '../config/schema.js';
import type { ProbePermits } from '../routing/types.js';
import type { ClusterView } from '../shared/cluster-view.js';
import { createProbePermits } from './probe-permits.js';
import { openRedisLink } from './redis-link.js';
import { startStateSync } from './state-sync.js';
import { clusterKeys } from './wire.js';

/**
 * One instance's membership of a cluster (config `cluster`, docs/cluster.md): its Redis link,
 * the state sync of its actors and the shared probe permits. The only module the composition
 * root needs; nothing outside src/cluster imports ioredis.
 */
export interface ClusterMember {
  readonly view: ClusterView;
  readonly permits: ProbePermits;
  close(): Promise<void>;
}

export type ClusterConfig = NonNullable<FuseboxConfig['cluster']>;

/** How long one blocking read of the stream waits before it asks again. */
const BLOCK_MS = 1_000;
/** Longest wait for any other Redis command (none of them is on a request's path but the permit's, bounded on its own). */
const COMMAND_TIMEOUT_MS = 1_000;

export function joinCluster(config: ClusterConfig, deps: { readonly tree: ActorTree; readonly logger: Logger }): ClusterMember {
  const { tree } = deps;
  const address = redactedRedisUrl(config.redisUrl);
  const logger = deps.logger.child({ component: 'cluster' });
  const instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const keys = clusterKeys(config.keyPrefix);
  const link = openRedisLink({ url: config.redisUrl, shownUrl: address, logger, commandTimeoutMs: COMMAND_TIMEOUT_MS, blockMs: BLOCK_MS });
  const sync = startStateSync({ tree, link, keys, instanceId, streamMaxLength: config.streamMaxLength, logger, blockMs: BLOCK_MS });
  // The layout `fusebox replay --redis` builds its actors from: written on each connect and reload.
  const writeLayout = () => {
    if (link.connected()) link.commands.set(keys.layout, JSON.stringify(tree.layout)).catch(() => undefined);
  };
  link.onReady(writeLayout);
  const fleet = tree.fleet$.subscribe(writeLayout);
  const permits = createProbePermits({ link, keys, tree, instanceId, waitMs: config.permitWaitMs, leaseMs: config.permitLeaseMs, logger });
  logger.info({ redis: address, keyPrefix: config.keyPrefix, instance: instanceId }, 'cluster: sharing state through Redis');
  return {
    view: { instanceId, address, connected: () => link.connected(), unpublished: () => sync.unpublished },
    permits,
    async close() {
      fleet.unsubscribe();
      sync.stop();
      await link.close();
    },
  };
}
