import { afterEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../../../helpers/upstream.js';
import { parseConfig } from '../../../../src/config/load.js';
import { createHealthProbe } from '../../../../src/http/upstream/health-probe.js';
import { createUpstreamTransport, type UpstreamTransport } from '../../../../src/http/upstream/transport.js';
import { systemClock } from '../../../../src/shared/clock.js';
import { secretKey } from '../../../../src/routing/route-table.js';

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

  it('reaches the upstream in the backend’s shape: {model}, query, extra headers and auth header, for health checks and recovery', async () => {
    upstream = await startMockUpstream(undefined, 'azure');
    const config = parseConfig({
      backends: [
        {
          id: 'az',
          baseUrls: [`${upstream.origin}/openai/deployments/{model}`],
          models: ['gpt-4o*', 'gpt-4o'],
          auth: { header: 'api-key' },
          query: { 'api-version': '2024-10-21' },
          headers: { 'X-Tenant': 'team-a' },
          credentials: [{ id: 'k', apiKey: 'az-probe-secret' }],
          healthCheck: { path: '/models' },
          recovery: { probe: { model: 'gpt-4o-mini' } },
        },
      ],
    });
    const backend = config.backends[0]!;
    transport = createUpstreamTransport({ secrets: new Map([[secretKey('az', 'k'), 'az-probe-secret']]), clock: systemClock });
    const probe = createHealthProbe(transport, systemClock);
    expect((await probe(backend, 0, new AbortController().signal)).ok).toBe(true);
    expect((await probe(backend, 0, new AbortController().signal, { purpose: 'recovery' })).ok).toBe(true);
    const [health, recovery] = upstream.requests;
    expect(health?.path).toBe('/openai/deployments/gpt-4o-mini/models?api-version=2024-10-21');
    expect(recovery?.method).toBe('POST');
    expect(recovery?.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21');
    for (const request of [health, recovery]) {
      expect(request?.headers['api-key']).toBe('az-probe-secret');
      expect(request?.headers['x-tenant']).toBe('team-a');
      expect(request?.headers.authorization).toBeUndefined();
    }
  });
});
