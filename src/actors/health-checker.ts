import type { BackendConfig } from '../config/schema.js';
import type { HealthCheckerOptions, ProbeResult } from './probe-types.js';
import { baseUrlActorId } from './layout.js';
import { startRecoveryProber } from './recovery-prober.js';

export type { HealthCheckConfig, HealthCheckerOptions, Probe, ProbeOptions, ProbeResult } from './probe-types.js';

/**
 * Active health checks: every BaseURL of a backend with `healthCheck` is probed every
 * `intervalMs` (the first probe at start), one probe at a time per BaseURL, and each
 * conclusive result goes to that BaseURL's actor as `health.probe.succeeded` or
 * `health.probe.failed`. So a dead mirror opens before a user request meets it, and an open
 * one that answers again goes half_open (the next user request there is its probe).
 * Active recovery (backends with `recovery`, see recovery-prober.ts) runs here too: an open
 * breaker of such a backend is probed by the recovery schedule instead, so its health check
 * skips that BaseURL while it is open (a health check would make it half_open, and a user
 * request its probe).
 * The probe itself is I/O and lives in src/http (health-probe.ts); it is passed in.
 */
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
  const recovery = startRecoveryProber(options);

  const current = (backendId: string): BackendConfig | undefined =>
    options.config().backends.find((b) => b.id === backendId && b.healthCheck !== undefined);

  async function round(backendId: string, index: number): Promise<void> {
    const backend = current(backendId);
    if (stopped || !backend || index >= backend.baseUrls.length) {
      active.delete(`${backendId}#${index}`);
      return;
    }
    if (!recovery.owns(baseUrlActorId(backendId, index))) {
      const controller = new AbortController();
      inFlight.add(controller);
      const result = await options.probe(backend, index, controller.signal, { purpose: 'health' }).finally(() => inFlight.delete(controller));
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may set it during the await
      if (stopped) return;
      report(backendId, index, result);
    }
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
    resync() {
      resync();
      recovery.resync();
    },
    stop() {
      stopped = true;
      recovery.stop();
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
      for (const controller of inFlight) controller.abort();
    },
  };
}
