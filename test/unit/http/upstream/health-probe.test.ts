import { afterEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../../../helpers/upstream.js';
import { parseConfig } from '../../../../src/config/load.js';
import { createHealthProbe } from '../../../../src/http/upstream/health-probe.js';
import { createUpstreamTransport, type UpstreamTransport } from '../../../../src/http/upstream/transport.js';
import { systemClock } from '../../../../src/shared/clock.js';

/** The probe's verdict is classify's: a real upstream answering each status in turn. */
describe('health probe', () => {
  let upstream: MockUpstream | null = null;
  let transport: UpstreamTransport | null = null;
  afterEach(async () => {
    await transport?.close();
    await upstream?.close();
  });

  it('is alive on 2xx, dead on 5xx and 408, inconclusive on 401, 404 and 429, dead when refused', async () => {
    let status = 200;
    upstream = await startMockUpstream(() => (status === 200 ? { kind: 'ok' } : { kind: 'status', status }), 'probed');
    const config = parseConfig({
      backends: [{ id: 'b', baseUrls: [upstream.baseUrl], credentials: [{ id: 'k', apiKey: 'sk-probe' }], healthCheck: { path: '/models' } }],
    });
    const backend = config.backends[0]!;
    transport = createUpstreamTransport({ secrets: new Map(), clock: systemClock });
    const probe = createHealthProbe(transport, systemClock);
    const verdicts: Record<number, boolean | null> = {};
    for (status of [200, 503, 408, 401, 404, 429]) {
      const result = await probe(backend, 0, new AbortController().signal);
      expect(result.code).toBe(`http_${status}`);
      verdicts[status] = result.ok;
    }
    expect(verdicts).toEqual({ 200: true, 503: false, 408: false, 401: null, 404: null, 429: null });

    await upstream.close();
    upstream = null;
    const refused = await probe(backend, 0, new AbortController().signal);
    // The kept-alive connection is reset, or a new one refused: the mirror is dead either way.
    expect(refused.ok).toBe(false);
    expect(['connection_reset', 'connect_refused']).toContain(refused.code);
  });
});
