import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { FuseboxConfig } from '../config/schema.js';
import { createActorTree, type ActorTree, type ActorTreeOptions } from '../actors/actor-tree.js';
import type { Clock } from '../shared/clock.js';
import { startEventLog, type EventRecorder } from '../replay/event-log.js';
import { actorLayout } from '../actors/layout.js';
import { startPersister, type Persister } from '../persistence/persister.js';
import { actorIdentities, planRestore } from '../persistence/restore.js';
import type { SnapshotStore } from '../persistence/snapshot-store.js';
import { logTransitions } from './transition-log.js';

/**
 * The actor fleet with its memory: restored from the snapshot store (when there is one),
 * persisted back to it, recorded to the event log (when asked), its breaker transitions
 * logged (see transition-log.ts). The composition root
 * builds it in place of a bare actor tree and closes it last.
 *
 * Order matters and is kept here: restore → tree → recorder (its header holds the
 * starting snapshots, so it starts before any event) → persister. `close` flushes both.
 * The store passed in is owned from here on: `close` closes it.
 */
export interface FleetMemory {
  readonly tree: ActorTree;
  /** The HMAC key naming credentials without an id (from the store when there is one). */
  readonly fingerprintKey: string;
  close(): Promise<void>;
}

export interface FleetMemoryOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly version: string;
  readonly store?: SnapshotStore;
  /** NDJSON file to record every actor event to. */
  readonly eventLog?: string;
  /** Overrides the store's key (tests). */
  readonly fingerprintKey?: string;
  readonly inspect?: ActorTreeOptions['inspect'];
}

/** How long a routine success may wait to reach its actor with others (see actor-tree.ts). */
export const COALESCE_MS = 10;

export function startFleetMemory(config: FuseboxConfig, options: FleetMemoryOptions): FleetMemory {
  const { store, clock, logger } = options;
  const fingerprintKey = options.fingerprintKey ?? store?.fingerprintKey ?? randomBytes(32).toString('hex');
  const layout = actorLayout(config, fingerprintKey);
  const identities = actorIdentities(config);
  const plan = store ? planRestore(layout, store.records, clock.now(), identities) : null;
  if (store && plan) {
    logger.info(
      { dataDir: store.location, restored: plan.restored.size, fresh: plan.fresh.length, dropped: plan.dropped },
      `restored ${plan.restored.size} actor(s) from ${store.location}`,
    );
  }
  const tree = createActorTree({
    layout,
    coalesce: { clock, windowMs: COALESCE_MS },
    ...(plan ? { restored: plan.restored } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const transitions = logTransitions(tree, logger);
  let recorder: EventRecorder | null = null;
  let persister: Persister | null = null;
  try {
    if (options.eventLog) recorder = startEventLog({ file: options.eventLog, tree, clock, version: options.version });
    if (store && plan) persister = startPersister({ tree, store, clock, logger, dropped: plan.dropped, identities });
  } catch (error) {
    transitions.unsubscribe();
    tree.stop();
    throw error;
  }
  return {
    tree,
    fingerprintKey,
    async close() {
      recorder?.close();
      await persister?.stop();
      transitions.unsubscribe();
      tree.stop();
      await store?.close();
    },
  };
}
