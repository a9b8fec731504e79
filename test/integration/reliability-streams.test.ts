import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { call } from '../helpers/raw-http.js';
import { startTestGateway } from '../helpers/gateway.js';
import { testRig } from '../helpers/rig.js';

/** Issue 13, items 2 and 8: a complete stream without [DONE], and breaks that are visible. */
describe('stream endings and what the log and metrics say of them', () => {
  const { upstream, gateway, cleanup } = testRig();
  afterEach(cleanup);

  const ask = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hi' }], stream: true };
  const key = (id: string) => [{ id: `${id}-k`, apiKey: `sk-${id}` }];
  const portOf = (url: string) => Number(new URL(url).port);

  it('finishes a stream with a finish reason and a clean end but no [DONE], and counts it a success', async () => {
    const up = await upstream('nodone');
    up.script = () => ({ kind: 'stream', chunks: 3, withoutTerminal: true });
    const { gw } = await gateway({ backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: key('a') }] });
    const reply = await call(portOf(gw.url), { path: '/v1/chat/completions', body: ask });
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain('"error"');
    expect(reply.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(reply.text).toContain('"finish_reason":"stop"');
    const health = gw.gateway.actors.view('baseurl:a:0').context.health;
    expect(health.lastErrors).toEqual([]);
    expect(health.consecutiveFailures).toBe(0);
  });

  it('still reports a stream cut without a finish reason as broken', async () => {
    const up = await upstream('cut');
    up.script = () => ({ kind: 'stream', chunks: 4, resetAfter: 2 });
    const { gw } = await gateway({ backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: key('a') }] });
    const reply = await call(portOf(gw.url), { path: '/v1/chat/completions', body: ask });
    expect(reply.text).toContain('"error"');
    expect(reply.text).not.toContain('data: [DONE]');
  });

  it('logs and counts a stream broken after its first byte as broken, not as a success', async () => {
    const up = await upstream('cut');
    up.script = () => ({ kind: 'stream', chunks: 4, resetAfter: 2 });
    const gw = await startTestGateway({
      server: { adminToken: 'admin-token-for-tests-0123456789' },
      backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: key('a') }],
    });
    onTestFinished(() => gw.close());
    const port = portOf(gw.url);
    await call(port, { path: '/v1/chat/completions', body: ask });
    const line = await vi.waitFor(() => {
      const found = gw.logs.find((entry) => entry.msg === 'request');
      expect(found).toBeDefined();
      return found as Record<string, unknown> & { attempts: { outcome: string }[] };
    });
    expect(line.outcome ?? line.attempts.at(-1)?.outcome).not.toBe('success');
    expect(JSON.stringify(line)).toMatch(/broke|broken/);
    const metrics = await call(port, { path: '/metrics', headers: { authorization: 'Bearer admin-token-for-tests-0123456789' } });
    const success = /fusebox_requests_total\{[^}]*outcome="success"[^}]*\} (\d+)/.exec(metrics.text);
    expect(success === null || Number(success[1]) === 0).toBe(true);
    expect(metrics.text).toMatch(/fusebox_requests_total\{[^}]*outcome="(broken|stream_broken|broken_stream)"[^}]*\} 1/);
  });

  it('logs one info line per breaker transition: actor, from, to, reason', async () => {
    const [down, up] = [await upstream('down'), await upstream('up')];
    down.script = () => ({ kind: 'status', status: 503 });
    const { gw } = await gateway({
      backends: [
        { id: 'a', baseUrls: [down.baseUrl], credentials: key('a'), breaker: { failureThreshold: 1 } },
        { id: 'b', priority: 1, baseUrls: [up.baseUrl], credentials: key('b') },
      ],
    });
    await call(portOf(gw.url), { path: '/v1/chat/completions', body: { ...ask, stream: false } });
    await vi.waitFor(() => expect(gw.logs.some((entry) => entry.msg === 'request')).toBe(true));
    const transitions = gw.logs.filter((entry) => entry.level === 30 && entry.actor === 'backend:a' && entry.to === 'open');
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ from: 'closed', to: 'open' });
    expect(typeof transitions[0]!.reason).toBe('string');
  });
});
