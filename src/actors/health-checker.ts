import type { Logger } from 'pino';
import type { BackendConfig, FuseboxConfig } from '../config/schema.js';
import type { ActorTree } from './actor-tree.js';
import type { Clock } from '../shared/clock.js';
import { baseUrlActorId } from './layout.js';

/**
 * Active health checks: every BaseURL of a backend with `healthCheck` is probed every
 * `intervalMs` (the first probe at start), one probe at a time per BaseURL, and each
 * conclusive result goes to that BaseURL's actor as `health.probe.succeeded` or
 * `health.probe.failed`. So a dead mirror opens before a user request meets it, and an open
 * one that answers again goes half_open (the next user request there is its probe).
 * The probe itself is I/O and lives in src/http (health-probe.ts); it is passed in.
 */
export type HealthCheckConfig = NonNullable<BackendConfig['healthCheck']>;

export interface ProbeResult {
  /**
   * routing/classify.ts `endpointAlive` of the probe's outcome: true alive (2xx/3xx); false dead
   * (5xx, 408, network, timeout); null inconclusive (other 4xx, or the probe was stopped).
   */
  readonly ok: boolean | null;
  /** `http_<status>` or a transport code such as `connect_refused`, `timeout_health`. */
  readonly code: string;
  readonly latencyMs: number;
}

export type Probe = (backend: BackendConfig, baseUrlIndex: number, signal: AbortSignal) => Promise<ProbeResult>;

export interface HealthCheckerOptions {
  /** The current config (read at each probe, so a reload's changes are seen). */
  readonly config: () => FuseboxConfig;
  readonly tree: ActorTree;
  readonly clock: Clock;
  readonly probe: Probe;
  readonly logger?: Logger;
}

export interface HealthChecker {
  /** Starts probing BaseURLs the current config added (after a reload); idempotent. */
  resync(): void;
  stop(): void;
}

export function startHealthChecker(options: HealthCheckerOptions): HealthChecker {
  const { clock, tree, logger } = options;
  const timers = new Set<unknown>();
  const inFlight = new Set<AbortController>();
  /** `backendId#index` of every BaseURL with a probe round scheduled or running. */
  const active = new Set<string>();
  let stopped = false;

  const current = (backendId: string): BackendConfig | undefined =>
    options.config().backends.find((b) => b.id === backendId && b.healthCheck !== undefined);

  async function round(backendId: string, index: number): Promise<void> {
    const backend = current(backendId);
    if (stopped || !backend || index >= backend.baseUrls.length) {
      active.delete(`${backendId}#${index}`);
      return;
    }
    const controller = new AbortController();
    inFlight.add(controller);
    const result = await options.probe(backend, index, controller.signal).finally(() => inFlight.delete(controller));
    if (stopped) return;
    report(backendId, index, result);
    const timer = clock.setTimeout(() => {
      timers.delete(timer);
      void round(backendId, index);
    }, backend.healthCheck!.intervalMs);
    timers.add(timer);
  }

  function report(backendId: string, index: number, result: ProbeResult): void {
    const actorId = baseUrlActorId(backendId, index);
    logger?.debug({ actorId, ok: result.ok, code: result.code, ms: result.latencyMs }, 'health probe');
    if (result.ok === null || !tree.ids.includes(actorId)) return;
    const at = clock.now();
    tree.send(
      actorId,
      result.ok ? { type: 'health.probe.succeeded', at, latencyMs: result.latencyMs } : { type: 'health.probe.failed', at, code: result.code },
    );
  }

  function resync(): void {
    for (const backend of options.config().backends) {
      if (!backend.healthCheck) continue;
      backend.baseUrls.forEach((_url, index) => {
        const key = `${backend.id}#${index}`;
        if (active.has(key)) return;
        active.add(key);
        void round(backend.id, index);
      });
    }
  }

  resync();
  return {
    resync,
    stop() {
      stopped = true;
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
      for (const controller of inFlight) controller.abort();
    },
  };
}
