import type { Clock } from '../../shared/clock.js';
import type { Probe } from '../../actors/health-checker.js';
import { dispatchOnce, type DispatchPlan } from './dispatch.js';
import type { UpstreamTransport } from './transport.js';

/**
 * The I/O half of active health checks: `GET <BaseURL><healthCheck.path>` through the
 * BaseURL's pool (the same guarded dispatch as requests), with the backend's first credential
 * in its kind's header (a listing such as `/models` usually needs one), bounded by
 * `healthCheck.timeoutMs`. The body is read and discarded, so the connection is kept.
 */
export function createHealthProbe(transport: Pick<UpstreamTransport, 'poolFor' | 'probeHeaders'>, clock: Clock): Probe {
  return async (backend, index, signal) => {
    const check = backend.healthCheck!;
    const url = new URL(backend.baseUrls[index]!);
    const base = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    const started = clock.now();
    const plan: DispatchPlan = {
      method: 'GET',
      path: `${base}${check.path}`,
      headers: { ...transport.probeHeaders(backend), 'user-agent': 'fusebox-health-check' },
      body: null,
      streaming: false,
      protocol: backend.kind,
      timeouts: backend.timeouts,
      totalMs: check.timeoutMs,
    };
    const reply = await dispatchOnce(transport.poolFor(url, backend.timeouts.connectMs), plan, signal, clock);
    const failed = (code: string) => ({ ok: signal.aborted ? null : false, code: code === 'timeout_total' ? 'timeout_health' : code, latencyMs: clock.now() - started });
    if (reply.kind === 'failed') return failed(reply.code);
    try {
      await reply.body.pipe(() => undefined);
    } catch (error) {
      return failed((error as { code?: string }).code ?? 'body_error');
    }
    const status = reply.status;
    const ok = status < 400 ? true : status >= 500 || status === 408 ? false : null;
    return { ok, code: `http_${status}`, latencyMs: clock.now() - started };
  };
}
