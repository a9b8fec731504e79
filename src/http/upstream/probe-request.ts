import type { BackendConfig } from '../../config/schema.js';

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
  const built = completion(backend.kind, probe.model, probe.maxTokens);
  const body = probe.body ? { model: probe.model, ...probe.body } : built.body;
  return { method: 'POST', path: probe.path ?? built.path, body: Buffer.from(JSON.stringify(body)) };
}

function completion(kind: BackendConfig['kind'], model: string, maxTokens: number): { path: string; body: object } {
  switch (kind) {
    case 'anthropic':
      return { path: '/messages', body: { model, max_tokens: maxTokens, messages: [{ role: 'user', content: PING }] } };
    case 'gemini':
      return {
        path: `/models/${model.replace(/^models\//, '')}:generateContent`,
        body: { contents: [{ role: 'user', parts: [{ text: PING }] }], generationConfig: { maxOutputTokens: maxTokens } },
      };
    default:
      return { path: '/chat/completions', body: { model, messages: [{ role: 'user', content: PING }], max_tokens: maxTokens } };
  }
}
