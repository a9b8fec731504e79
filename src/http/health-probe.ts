import type { Clock } from '../actors/clock.js';
import type { Probe } from '../actors/health-checker.js';
import { errorCode } from './upstream-dispatch.js';
import type { UpstreamTransport } from './upstream.js';

/**
 * The I/O half of active health checks: `GET <BaseURL><healthCheck.path>` through the
 * BaseURL's pool, with the backend's first credential in its kind's header (a listing such
 * as `/models` usually needs one), bounded by `healthCheck.timeoutMs`. The body is discarded.
 */
export function createHealthProbe(transport: Pick<UpstreamTransport, 'poolFor' | 'probeHeaders'>, clock: Clock): Probe {
  return async (backend, index, signal) => {
    const check = backend.healthCheck!;
    const url = new URL(backend.baseUrls[index]!);
    const base = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, check.timeoutMs);
    const started = clock.now();
    try {
      const response = await transport.poolFor(url, backend.timeouts.connectMs).request({
        method: 'GET',
        path: `${base}${check.path}`,
        headers: { ...transport.probeHeaders(backend), 'user-agent': 'fusebox-health-check' },
        signal: controller.signal,
      });
      await response.body.dump();
      const status = response.statusCode;
      const ok = status < 400 ? true : status >= 500 || status === 408 ? false : null;
      return { ok, code: `http_${status}`, latencyMs: clock.now() - started };
    } catch (error) {
      const code = timedOut ? 'timeout_health' : errorCode(error as Error);
      return { ok: signal.aborted ? null : false, code, latencyMs: clock.now() - started };
    } finally {
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  };
}
