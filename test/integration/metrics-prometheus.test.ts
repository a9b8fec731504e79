import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream } from '../helpers/upstream.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin.js';
import { backendsFor, startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the Prometheus text format (the subset prom-client writes). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

describe('GET /metrics', () => {
  const cleanups = cleanupAfterEach();

  it('counts requests, attempts, failovers, latencies and breaker transitions after scripted traffic', async () => {
    const a = await startMockUpstream(() => ({ kind: 'status', status: 503 }), 'alpha');
    const b = await startMockUpstream(undefined, 'beta');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const gw = await startTestGateway({
      backends: backendsFor({ id: 'alpha', baseUrls: [a.baseUrl] }, { id: 'beta', baseUrls: [b.baseUrl], priority: 1 }).map((backend) => ({
        ...backend,
        breaker: { failureThreshold: 2, recoveryMs: 60_000 },
      })),
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    // Requests 1 and 2 fail over from alpha (503) to beta and open alpha; 3 and 4 go to beta directly.
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: `q${i}` }] });

    const res = await fetch(new URL('/metrics', gw.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).not.toContain('secret');
    const m = parseMetrics(text);
    const route = 'openai /chat/completions';
    expect(value(m, 'fusebox_requests_total', { route, model: 'gpt-test', backend: 'beta', status: '200' })).toBe(4);
    expect(value(m, 'fusebox_upstream_attempts_total', { backend: 'alpha', outcome: 'http_503' })).toBe(2);
    expect(value(m, 'fusebox_upstream_attempts_total', { backend: 'beta', outcome: 'success' })).toBe(4);
    expect(value(m, 'fusebox_failovers_total', { backend: 'alpha' })).toBe(2);
    expect(value(m, 'fusebox_failovers_total', { backend: 'beta' })).toBeUndefined();
    expect(value(m, 'fusebox_request_duration_seconds_count', { route, backend: 'beta' })).toBe(4);
    expect(value(m, 'fusebox_request_duration_seconds_bucket', { route, backend: 'beta', le: '+Inf' })).toBe(4);
    expect(value(m, 'fusebox_upstream_ttfb_seconds_count', { backend: 'beta' })).toBe(4);
    expect(value(m, 'fusebox_upstream_ttfb_seconds_count', { backend: 'alpha' })).toBeUndefined();
    expect(value(m, 'fusebox_upstream_duration_seconds_count', { backend: 'alpha', outcome: 'http_503' })).toBe(2);
    expect(value(m, 'fusebox_breaker_state', { actor: 'backend:alpha', role: 'backend' })).toBe(2);
    expect(value(m, 'fusebox_breaker_state', { actor: 'baseurl:alpha:0', role: 'baseurl' })).toBe(2);
    expect(value(m, 'fusebox_breaker_state', { actor: 'backend:beta', role: 'backend' })).toBe(0);
    expect(value(m, 'fusebox_breaker_transitions_total', { actor: 'backend:alpha', from: 'closed', to: 'open' })).toBe(1);
    expect(value(m, 'fusebox_health_score', { actor: 'backend:beta' })).toBeGreaterThan(90);
    expect(value(m, 'fusebox_health_score', { actor: 'backend:alpha' })).toBeLessThan(20);
    expect(m.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
  });

  it('reports credential cooldowns, quota remaining and disabled credentials', async () => {
    const up = await startMockUpstream((request) =>
      request.headers.authorization === 'Bearer sk-tired-secret' ? { kind: 'status', status: 429, headers: { 'retry-after': '30' } } : { kind: 'ok' },
    );
    cleanups.push(() => up.close());
    const gw = await startTestGateway({
      backends: [
        {
          id: 'solo',
          baseUrls: [up.baseUrl],
          credentials: [
            { id: 'tired', apiKey: 'sk-tired-secret' },
            { id: 'fresh', apiKey: 'sk-fresh-secret', quota: { requests: 10, per: 'minute' } },
          ],
        },
      ],
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    for (let i = 0; i < 20 && !up.requests.some((r) => r.headers.authorization === 'Bearer sk-tired-secret'); i++) {
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `q${i}` }] });
    }
    const freshCalls = up.requests.filter((r) => r.headers.authorization === 'Bearer sk-fresh-secret').length;
    const text = await (await fetch(new URL('/metrics', gw.url))).text();
    expect(text).not.toContain('secret');
    const m = parseMetrics(text);
    const pool = gw.gateway.actors.ids.find((id) => id.startsWith('pool:solo'))!;
    expect(value(m, 'fusebox_credential_cooldowns_total', { pool, credential: 'tired' })).toBe(1);
    const cooldown = value(m, 'fusebox_credential_cooldown_seconds', { pool, credential: 'tired' })!;
    expect(cooldown).toBeGreaterThan(25);
    expect(cooldown).toBeLessThanOrEqual(30);
    expect(value(m, 'fusebox_credential_cooldown_seconds', { pool, credential: 'fresh' })).toBe(0);
    expect(value(m, 'fusebox_credential_quota_remaining_ratio', { pool, credential: 'fresh' })).toBeCloseTo((10 - freshCalls) / 10, 5);
    expect(value(m, 'fusebox_credential_quota_remaining_ratio', { pool, credential: 'tired' })).toBe(1);
    expect(value(m, 'fusebox_credential_disabled', { pool, credential: 'tired' })).toBe(0);
  });

  it('needs the admin token once one is configured', async () => {
    const up = await startMockUpstream();
    cleanups.push(() => up.close());
    const gw = await startTestGateway({ server: { adminToken: ADMIN_TOKEN }, backends: backendsFor({ id: 'one', baseUrls: [up.baseUrl] }) });
    cleanups.push(() => gw.close());
    expect((await admin(gw.url, '/metrics', { token: null })).status).toBe(401);
    expect((await admin(gw.url, '/metrics', { token: 'not-the-admin-token' })).status).toBe(401);
    const ok = await admin(gw.url, '/metrics');
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('fusebox_breaker_state{actor="backend:one",role="backend"} 0');
  });
});
