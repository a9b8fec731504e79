import type { Clock } from '../../shared/clock.js';
import type { Probe, ProbeResult } from '../../actors/health-checker.js';
import { classify, endpointAlive, type Observed } from '../../routing/classify.js';
import { UpstreamBodyError, type UpstreamCode } from '../../routing/types.js';
import { httpCode } from '../../shared/upstream-code.js';
import { dispatchOnce, type DispatchPlan } from './dispatch.js';
import type { UpstreamTransport } from './transport.js';

/**
 * The I/O half of active health checks: `GET <BaseURL><healthCheck.path>` through the
 * BaseURL's pool (the same guarded dispatch as requests), with the backend's first credential
 * in its kind's header (a listing such as `/models` usually needs one), bounded by
 * `healthCheck.timeoutMs`. The body is read and discarded, so the connection is kept. Whether
 * the BaseURL is alive is classify's verdict on what came back (see `endpointAlive`).
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
    const verdict = (observed: Observed, code: UpstreamCode): ProbeResult => ({
      ok: endpointAlive(classify(observed, clock.now())),
      code,
      latencyMs: clock.now() - started,
    });
    const failed = (error: UpstreamCode) => {
      const code = error === 'timeout_total' ? 'timeout_health' : error;
      return verdict({ kind: 'failed', code: signal.aborted ? 'client_cancelled' : code }, code);
    };
    if (reply.kind === 'failed') return failed(reply.code);
    try {
      await reply.body.pipe(() => undefined);
    } catch (error) {
      return failed(error instanceof UpstreamBodyError ? error.code : 'body_error');
    }
    return verdict({ kind: 'response', status: reply.status, headers: reply.headers }, httpCode(reply.status));
  };
}
