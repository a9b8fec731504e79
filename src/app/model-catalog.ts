import type { Logger } from 'pino';
import type { BackendConfig, FuseboxConfig } from '../config/schema.js';
import type { UpstreamModels } from '../http/protocols/listed-models.js';
import type { Clock } from '../shared/clock.js';

/**
 * The upstreams' own model listings, cached per backend (docs/protocols.md#model-listings).
 *
 * - A backend is listed first when a client's listing names it; from then on it is listed again
 *   every `modelListing.refreshMs` in the background, so a cached listing is answered at once
 *   and never waits on the upstream. Only a backend never listed yet makes a client's listing
 *   wait, for at most `firstWaitMs`; after that its explicit names are listed without it.
 * - A listing that fails keeps the last good one (none at first); the failure is logged once
 *   until the backend lists again, and it is tried again after at most RETRY_FAILED_MS.
 * - Entries are keyed by the backend's id, kind and BaseURLs: a reload that keeps them keeps the
 *   cache; a backend no longer configured (so) is dropped at its next refresh.
 */
export interface ModelCatalog extends UpstreamModels {
  /** Stops every refresh and aborts listings in flight. */
  close(): void;
}

export interface ModelCatalogDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The current config (a reload changes it). */
  readonly config: () => FuseboxConfig;
  /** One listing of a backend's upstream (src/http/upstream/model-fetch.ts); rejects when it cannot list. */
  readonly fetch: (backend: BackendConfig, signal: AbortSignal) => Promise<readonly string[]>;
}

/** A failed listing is tried again this soon, or at the refresh interval when that is shorter. */
const RETRY_FAILED_MS = 60_000;

interface Entry {
  readonly backendId: string;
  ids: readonly string[] | null;
  /** Resolves when the listing in flight ends; null between listings. */
  running: Promise<void> | null;
  /** The first listing has ended (with or without ids). */
  settled: boolean;
  /** The current failure has been logged. */
  failing: boolean;
}

const keyOf = (backend: BackendConfig): string => JSON.stringify([backend.id, backend.kind, backend.baseUrls]);

export function createModelCatalog(deps: ModelCatalogDeps): ModelCatalog {
  const { clock, logger } = deps;
  const entries = new Map<string, Entry>();
  const timers = new Set<unknown>();
  const inFlight = new Set<AbortController>();
  let closed = false;

  const configured = (key: string): BackendConfig | undefined => deps.config().backends.find((backend) => keyOf(backend) === key);

  function list(key: string, entry: Entry): void {
    const backend = configured(key);
    if (closed || !backend) {
      entries.delete(key);
      return;
    }
    const controller = new AbortController();
    inFlight.add(controller);
    entry.running = deps
      .fetch(backend, controller.signal)
      .then(
        (ids) => {
          if (entry.failing) logger.info({ backend: entry.backendId, models: ids.length }, 'the upstream lists its models again');
          entry.ids = ids;
          entry.failing = false;
        },
        (error: unknown) => {
          if (controller.signal.aborted || entry.failing) return;
          entry.failing = true;
          const kept = entry.ids === null ? 'its configured models are listed' : 'its last listing is kept';
          logger.warn({ backend: entry.backendId, reason: (error as Error).message }, `could not list the upstream's models; ${kept}`);
        },
      )
      .finally(() => {
        inFlight.delete(controller);
        entry.running = null;
        entry.settled = true;
        schedule(key, entry);
      });
  }

  function schedule(key: string, entry: Entry): void {
    if (closed) return;
    const { refreshMs } = deps.config().modelListing;
    const timer = clock.setTimeout(
      () => {
        timers.delete(timer);
        list(key, entry);
      },
      entry.failing ? Math.min(refreshMs, RETRY_FAILED_MS) : refreshMs,
    );
    timers.add(timer);
  }

  function entryFor(backend: BackendConfig): Entry {
    const key = keyOf(backend);
    let entry = entries.get(key);
    if (!entry) {
      entry = { backendId: backend.id, ids: null, running: null, settled: false, failing: false };
      entries.set(key, entry);
      list(key, entry);
    }
    return entry;
  }

  async function firstListings(waiting: readonly Promise<void>[]): Promise<void> {
    if (waiting.length === 0) return;
    let timer: unknown = null;
    const bound = new Promise<void>((resolve) => {
      timer = clock.setTimeout(resolve, deps.config().modelListing.firstWaitMs);
    });
    await Promise.race([Promise.all(waiting), bound]);
    clock.clearTimeout(timer);
  }

  return {
    async listed(backends) {
      const asked = closed ? [] : backends.map((backend) => ({ backend, entry: entryFor(backend) }));
      await firstListings(asked.flatMap(({ entry }) => (!entry.settled && entry.running ? [entry.running] : [])));
      const found = new Map<string, readonly string[]>();
      for (const { backend, entry } of asked) if (entry.ids !== null) found.set(backend.id, entry.ids);
      return found;
    },
    close() {
      closed = true;
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
      for (const controller of inFlight) controller.abort();
    },
  };
}
