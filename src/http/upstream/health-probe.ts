import type { Clock } from '../../shared/clock.js';
import type { Probe, ProbeResult } from '../../actors/health-checker.js';
import { classify, endpointAlive, type Observed } from '../../routing/classify.js';
import { UpstreamBodyError, type UpstreamCode } from '../../routing/types.js';
import { httpCode } from '../../shared/upstream-code.js';
import { dispatchOnce, type DispatchPlan } from './dispatch.js';
import { recoveryProbeRequest, type ProbeRequest } from './probe-request.js';
import type { UpstreamTransport } from './transport.js';
import { upstreamShape, upstreamTarget } from './upstream-shape.js';
import { probeModel } from '../../config/upstream-shape-schema.js';

/**
 * The I/O half of active health checks and active recovery: a health check is
 * `GET <BaseURL><healthCheck.path>`, a recovery probe is `recoveryProbeRequest` (the models
 * listing or a tiny completion), both through the BaseURL's pool (the same guarded dispatch as
 * requests), in the backend's upstream shape (its `{model}` filled by `probeModel`, its query,
 * extra headers and auth header, with the credential named, else the first), bounded by the
 * check's `timeoutMs`. The body is read and discarded, so the
 * connection is kept. Whether the BaseURL is alive is classify's verdict on what came back
 * (see `endpointAlive`).
 */
export function createHealthProbe(transport: Pick<UpstreamTransport, 'poolFor' | 'probeHeaders'>, clock: Clock): Probe {
  return async (backend, index, signal, options) => {
    const recovery = options?.purpose === 'recovery';
    const request: ProbeRequest = recovery ? recoveryProbeRequest(backend) : { method: 'GET', path: backend.healthCheck!.path, body: null };
    const shape = upstreamShape(backend);
    const started = clock.now();
    const plan: DispatchPlan = {
      method: request.method,
      path: upstreamTarget(shape, index, request.path, probeModel(backend) ?? ''),
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
    const reply = await dispatchOnce(transport.poolFor(shape.bases[index]!.url, backend.timeouts.connectMs), plan, signal, clock);
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
