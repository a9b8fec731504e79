import type { Subscription } from 'rxjs';
import type { BackendConfig } from '../config/schema.js';
import { credentialList } from '../machines/breaker.js';
import type { HealthCheckerOptions, ProbeResult } from './probe-types.js';
import { backendActorId, baseUrlActorId, DEFAULT_POOL, poolActorId } from './layout.js';
import { nextProbeAt, openedAt, streakOf } from './recovery-schedule.js';

/**
 * Active recovery: while a breaker of a backend with `recovery` (the backend's or a BaseURL's)
 * is open, that backend is probed on the schedule of recovery-schedule.ts, one round at a time.
 * A round probes every BaseURL of an open backend (except isolated ones), else only the open
 * BaseURLs; each conclusive result goes to the open breakers it speaks for as
 * `recovery.probe.succeeded` (they close) or `recovery.probe.failed` (they stay open).
 * Such breakers admit no user request while open (policy `activeRecovery`), so users never
 * meet a route that is down.
 * Rounds start when a breaker opens (seen on `changes$`) or at `resync`, and end when nothing
 * of the backend is open any more; `stop` clears every timer and aborts the probes in flight.
 * The probe is a credential of the backend's default pool that is neither disabled nor cooling
 * down, named by id: the secret is looked up in the HTTP layer.
 */
export interface RecoveryProber {
  /** Whether `actorId` is an open breaker that active recovery probes. */
  owns(actorId: string): boolean;
  /** Schedules rounds for open breakers the current config has (at start, after a reload). */
  resync(): void;
  stop(): void;
}

const RUNNING = 'running';

export function startRecoveryProber(options: HealthCheckerOptions): RecoveryProber {
  const { tree, clock, logger } = options;
  /** Backend id → its next round's timer, or RUNNING while a round is in flight. */
  const scheduled = new Map<string, { handle: unknown } | typeof RUNNING>();
  const inFlight = new Set<AbortController>();
  let stopped = false;

  const recoveryBackend = (backendId: string): BackendConfig | undefined =>
    options.config().backends.find((b) => b.id === backendId && b.recovery !== undefined);

  function owns(actorId: string): boolean {
    if (!tree.ids.includes(actorId)) return false;
    const { state, context } = tree.view(actorId);
    return state === 'open' && !context.isolated && context.policy.activeRecovery === true;
  }

  /** An operator holds it open: it is never probed, not even for its backend. */
  function isolated(actorId: string): boolean {
    return tree.ids.includes(actorId) && tree.view(actorId).context.isolated;
  }

  function openActors(backend: BackendConfig): string[] {
    return [backendActorId(backend.id), ...backend.baseUrls.map((_url, index) => baseUrlActorId(backend.id, index))].filter(owns);
  }

  function ensure(backendId: string): void {
    if (stopped || scheduled.has(backendId)) return;
    const backend = recoveryBackend(backendId);
    const open = backend ? openActors(backend) : [];
    if (!backend || open.length === 0) return;
    const now = clock.now();
    const contexts = open.map((actorId) => tree.view(actorId).context);
    const anchor = Math.min(...contexts.map((context) => openedAt(context, now)));
    const due = nextProbeAt(backend.recovery!, anchor, now, Math.max(...contexts.map(streakOf)));
    const handle = clock.setTimeout(() => {
      scheduled.set(backendId, RUNNING);
      void round(backendId)
        .catch((error: unknown) => logger?.error({ err: error, backendId }, 'recovery probe round failed'))
        .finally(() => {
          scheduled.delete(backendId);
          ensure(backendId);
        });
    }, due - now);
    scheduled.set(backendId, { handle });
  }

  async function round(backendId: string): Promise<void> {
    const backend = recoveryBackend(backendId);
    if (stopped || !backend) return;
    const backendOpen = owns(backendActorId(backendId));
    const targets = backend.baseUrls
      .map((_url, index) => index)
      .filter((index) => owns(baseUrlActorId(backendId, index)) || (backendOpen && !isolated(baseUrlActorId(backendId, index))));
    const credentialId = usableCredential(backendId);
    const results = await Promise.all(targets.map((index) => probeOne(backend, index, credentialId)));
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may set it during the await
    if (stopped) return;
    targets.forEach((index, k) => report(backendId, index, results[k]!));
  }

  async function probeOne(backend: BackendConfig, index: number, credentialId: string | undefined): Promise<ProbeResult> {
    const controller = new AbortController();
    inFlight.add(controller);
    try {
      return await options.probe(backend, index, controller.signal, { purpose: 'recovery', ...(credentialId !== undefined ? { credentialId } : {}) });
    } catch {
      return { ok: null, code: 'probe_error', latencyMs: 0 };
    } finally {
      inFlight.delete(controller);
    }
  }

  /** The first credential of the default pool that may be used now (else the probe uses the first). */
  function usableCredential(backendId: string): string | undefined {
    const poolId = poolActorId(backendId, DEFAULT_POOL);
    if (!tree.ids.includes(poolId)) return undefined;
    const now = clock.now();
    return credentialList(tree.view(poolId).context).find((c) => c.disabled === null && (c.cooldownUntil === null || c.cooldownUntil <= now))?.id;
  }

  function report(backendId: string, index: number, result: ProbeResult): void {
    const line = { backendId, baseUrl: index, ok: result.ok, code: result.code, ms: result.latencyMs };
    if (result.ok === null) {
      // An answer that proves nothing (404 of a missing listing, 401 of a bad key) keeps the breaker open.
      if (result.code.startsWith('http_')) logger?.warn(line, 'recovery probe inconclusive: the breaker stays open (check recovery.probe)');
      return;
    }
    logger?.debug(line, 'recovery probe');
    const at = clock.now();
    for (const actorId of [baseUrlActorId(backendId, index), backendActorId(backendId)]) {
      if (!owns(actorId)) continue;
      tree.send(
        actorId,
        result.ok
          ? { type: 'recovery.probe.succeeded', at, latencyMs: result.latencyMs }
          : { type: 'recovery.probe.failed', at, code: result.code, latencyMs: result.latencyMs },
      );
    }
  }

  function resync(): void {
    for (const backend of options.config().backends) if (backend.recovery) ensure(backend.id);
  }

  // Per event only a comparison: a round is considered when a breaker opens (or its policy changes while open).
  const subscription: Subscription = tree.changes$.subscribe((change) => {
    if (change.to !== 'open' || (change.from === 'open' && change.event.type !== 'config.changed')) return;
    const backendId = ownerOf(change.actorId);
    if (backendId !== null) ensure(backendId);
  });
  resync();

  return {
    owns,
    resync,
    stop() {
      stopped = true;
      subscription.unsubscribe();
      for (const entry of scheduled.values()) if (entry !== RUNNING) clock.clearTimeout(entry.handle);
      scheduled.clear();
      for (const controller of inFlight) controller.abort();
    },
  };
}

/** The backend id of a backend or BaseURL actor id; null for other actors. */
function ownerOf(actorId: string): string | null {
  if (actorId.startsWith('backend:')) return actorId.slice('backend:'.length);
  if (actorId.startsWith('baseurl:')) return actorId.slice('baseurl:'.length, actorId.lastIndexOf(':'));
  return null;
}
