import type { Logger } from 'pino';
import type { BackendConfig, FuseboxConfig } from '../config/schema.js';
import type { ActorTree } from './actor-tree.js';
import type { Clock } from '../shared/clock.js';

/** The probe the health checker and the recovery prober call (I/O, passed in from src/http), and their options. */
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

export interface ProbeOptions {
  /** `health`: the health check's GET; `recovery`: the backend's recovery probe. */
  readonly purpose: 'health' | 'recovery';
  /** The credential to probe with (an id; the secret stays in the HTTP layer); else the first. */
  readonly credentialId?: string;
}

export type Probe = (backend: BackendConfig, baseUrlIndex: number, signal: AbortSignal, options?: ProbeOptions) => Promise<ProbeResult>;

export interface HealthCheckerOptions {
  /** The current config (read at each probe, so a reload's changes are seen). */
  readonly config: () => FuseboxConfig;
  readonly tree: ActorTree;
  readonly clock: Clock;
  readonly probe: Probe;
  readonly logger?: Logger;
}
