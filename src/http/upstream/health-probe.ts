import type { Clock } from '../../shared/clock.js';
import type { Probe } from '../../actors/health-checker.js';
import { dispatchOnce, type DispatchPlan } from './dispatch.js';
import { recoveryProbeRequest, type ProbeRequest } from './probe-request.js';
import type { UpstreamTransport } from './transport.js';

/**
 * The I/O half of active health checks and active recovery: a health check is
 * `GET <BaseURL><healthCheck.path>`, a recovery probe is `recoveryProbeRequest` (the models
 * listing or a tiny completion), both through the BaseURL's pool (the same guarded dispatch as
 * requests), with a credential of the backend in its kind's header (the one named, else the
 * first), bounded by the check's `timeoutMs`. The body is read and discarded, so the
 * connection is kept.
 */
export function createHealthProbe(transport: Pick<UpstreamTransport, 'poolFor' | 'probeHeaders'>, clock: Clock): Probe {
  return async (backend, index, signal, options) => {
    const recovery = options?.purpose === 'recovery';
    const request: ProbeRequest = recovery ? recoveryProbeRequest(backend) : { method: 'GET', path: backend.healthCheck!.path, body: null };
    const url = new URL(backend.baseUrls[index]!);
    const base = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    const started = clock.now();
    const plan: DispatchPlan = {
      method: request.method,
      path: `${base}${request.path}`,
      headers: {
        ...transport.probeHeaders(backend, options?.credentialId),
        'user-agent': recovery ? 'fusebox-recovery-probe' : 'fusebox-health-check',
        ...(request.body ? { 'content-type': 'application/json', 'content-length': String(request.body.length) } : {}),
      },
      body: request.body,
      streaming: false,
      protocol: backend.kind,
      timeouts: backend.timeouts,
      totalMs: recovery ? backend.recovery!.timeoutMs : backend.healthCheck!.timeoutMs,
    };
    const reply = await dispatchOnce(transport.poolFor(url, backend.timeouts.connectMs), plan, signal, clock);
    const failed = (code: string) => ({
      ok: signal.aborted ? null : false,
      code: code === 'timeout_total' ? 'timeout_health' : code,
      latencyMs: clock.now() - started,
    });
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
