import { startMockUpstream, type Behavior, type MockUpstream, type RecordedRequest } from './mock-upstream.js';
import type { ConfigInput } from '../config/schema.js';

/**
 * The demo's three scripted upstreams and the config that puts fusebox in front of them:
 *
 * - `slow`   (priority 0): answers, but only after 2.5 s; fusebox's first-chunk/total timeouts
 *            give up on it sooner, so its breaker opens and then goes half-open every few seconds;
 * - `flaky`  (priority 0): fine, except for a 10 s burst of 503s and resets every 30 s; its
 *            breaker opens, probes, and closes again once the burst is over;
 * - `steady` (priority 1, the fallback): always answers; one of its three keys is rate limited
 *            now and then, so its pool shows a credential cooling down.
 *
 * No real API key is involved: the credentials below are placeholders the mock ignores.
 */
export interface DemoUpstreams {
  readonly slow: MockUpstream;
  readonly flaky: MockUpstream;
  readonly steady: MockUpstream;
  /** Requests each upstream has received. */
  readonly served: Record<'slow' | 'flaky' | 'steady', number>;
  close(): Promise<void>;
}

export const FLAKY_CYCLE_MS = 30_000;
export const FLAKY_BURST = { fromMs: 8_000, toMs: 18_000 } as const;
const SLOW_MS = 2_500;

function isStream(request: RecordedRequest): boolean {
  return request.body.includes('"stream":true');
}

function answer(request: RecordedRequest, delayMs: number): Behavior {
  return isStream(request)
    ? { kind: 'stream', chunks: 8, gapMs: 25, firstChunkDelayMs: delayMs }
    : { kind: 'ok', delayMs, text: 'hello from the demo' };
}

/** Whether the flaky upstream is in its failing burst at `elapsedMs` since the demo began. */
export function flakyFailing(elapsedMs: number): boolean {
  const phase = elapsedMs % FLAKY_CYCLE_MS;
  return phase >= FLAKY_BURST.fromMs && phase < FLAKY_BURST.toMs;
}

export async function startDemoUpstreams(now: () => number = Date.now): Promise<DemoUpstreams> {
  const began = now();
  const served = { slow: 0, flaky: 0, steady: 0 };
  const slow = await startMockUpstream((request) => {
    served.slow += 1;
    return answer(request, SLOW_MS);
  }, 'slow');
  const flaky = await startMockUpstream((request, index) => {
    served.flaky += 1;
    if (!flakyFailing(now() - began)) return answer(request, 5);
    return index % 4 === 0 ? { kind: 'reset' } : { kind: 'status', status: 503 };
  }, 'flaky');
  const steady = await startMockUpstream((request, index) => {
    served.steady += 1;
    const rateLimited = request.headers.authorization === 'Bearer demo-steady-key-3' && index % 5 === 0;
    if (rateLimited) return { kind: 'status', status: 429, headers: { 'retry-after': '4' } };
    return answer(request, 10);
  }, 'steady');
  // The mocks record every request; the demo only counts them, so keep memory flat.
  const trim = setInterval(() => {
    for (const upstream of [slow, flaky, steady]) upstream.requests.splice(0);
  }, 1_000);
  trim.unref();
  return {
    slow,
    flaky,
    steady,
    served,
    async close() {
      clearInterval(trim);
      await Promise.all([slow.close(), flaky.close(), steady.close()]);
    },
  };
}

const DEMO_BREAKER = { failureThreshold: 3, recoveryMs: 4_000, halfOpenProbes: 1 };

/** `adminToken` is made up per run, so the status page and the admin API can be tried. */
export function demoConfig(upstreams: DemoUpstreams, port: number, dataDir: string, adminToken: string): ConfigInput {
  return {
    server: { host: '127.0.0.1', port, adminToken },
    dataDir,
    routing: { maxAttempts: 4 },
    backends: [
      {
        id: 'slow',
        priority: 0,
        baseUrls: [upstreams.slow.baseUrl],
        credentials: [{ id: 'demo-slow-key', apiKey: 'demo-slow-secret' }],
        timeouts: { firstChunkMs: 400, totalMs: 800 },
        breaker: DEMO_BREAKER,
      },
      {
        id: 'flaky',
        priority: 0,
        baseUrls: [upstreams.flaky.baseUrl],
        credentials: [{ id: 'demo-flaky-key', apiKey: 'demo-flaky-secret' }],
        breaker: DEMO_BREAKER,
      },
      {
        id: 'steady',
        priority: 1,
        baseUrls: [upstreams.steady.baseUrl],
        credentials: [1, 2, 3].map((n) => ({ id: `demo-steady-key-${n}`, apiKey: `demo-steady-secret-${n}` })),
        breaker: DEMO_BREAKER,
      },
    ],
  };
}
