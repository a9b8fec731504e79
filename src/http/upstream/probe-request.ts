import type { BackendConfig } from '../../config/schema.js';
import { probeCompletion } from '../protocols/probe-completion.js';

/**
 * The request an active recovery probe sends to a BaseURL (path relative to it). By default
 * the models listing (`GET /models`: OpenAI, Anthropic and Gemini all serve one, and it costs
 * no tokens); with `probe.model`, a tiny real completion in the backend kind's own shape, so a
 * backend whose listing answers while its model does not is not closed too early.
 * The probe's credential is added by the caller; nothing here holds a secret.
 */
export interface ProbeRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: Buffer | null;
}

export const DEFAULT_PROBE_PATH = '/models';

/** The one-word prompt of a completion probe. */
const PING = 'ping';

export function recoveryProbeRequest(backend: BackendConfig): ProbeRequest {
  const probe = backend.recovery?.probe;
  if (!probe) return { method: 'GET', path: DEFAULT_PROBE_PATH, body: null };
  if (!('model' in probe)) return { method: 'GET', path: probe.path, body: null };
  const built = probeCompletion(backend.kind, probe.model, probe.maxTokens, PING);
  const body = probe.body ? { model: probe.model, ...probe.body } : built.body;
  return { method: 'POST', path: probe.path ?? built.path, body: Buffer.from(JSON.stringify(body)) };
}
