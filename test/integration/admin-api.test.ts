import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream } from '../helpers/upstream.js';
import { ADMIN_TOKEN, admin, type ActorJson, type ErrorJson, type TransitionJson } from '../helpers/admin.js';
import { backendsFor, startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

describe('the admin API', () => {
  const cleanups = cleanupAfterEach();

  async function setup(adminToken: string | null = ADMIN_TOKEN) {
    const a = await startMockUpstream(undefined, 'alpha');
    const b = await startMockUpstream(undefined, 'beta');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const gw = await startTestGateway({
      server: adminToken ? { adminToken } : {},
      backends: backendsFor({ id: 'alpha', baseUrls: [a.baseUrl] }, { id: 'beta', baseUrls: [b.baseUrl], priority: 1 }),
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const ask = async () => {
      const reply = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
      return reply.choices[0]?.message.content;
    };
    return { a, b, gw, ask };
  }

  it('is off without a configured token: /admin is 404, /status says so', async () => {
    const { gw } = await setup(null);
    const res = await admin<{ actors: ActorJson[] }>(gw.url, '/admin/actors');
    expect(res.status).toBe(404);
    const page = await admin(gw.url, '/status', { token: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('The admin API is off');
  });

  it('refuses a missing or wrong token with 401 and a Bearer challenge', async () => {
    const { gw } = await setup();
    for (const token of [null, 'wrong-token-wrong-token', `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1)]) {
      const res = await admin<ErrorJson>(gw.url, '/admin/actors', { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="fusebox-admin"');
      expect(res.json.error.code).toBe('unauthorized');
    }
    const viaQuery = await fetch(new URL(`/admin/actors?token=${ADMIN_TOKEN}`, gw.url));
    expect(viaQuery.status).toBe(401);
  });

  it('lists every actor with state, score, counters, weights and deadlines, and no secret', async () => {
    const { gw, ask } = await setup();
    await ask();
    const res = await admin<{ actors: ActorJson[] }>(gw.url, '/admin/actors');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const ids = res.json.actors.map((a) => a.id);
    expect(ids).toEqual(gw.gateway.actors.ids);
    expect(ids).toEqual(expect.arrayContaining(['backend:alpha', 'baseurl:alpha:0', 'backend:beta', 'baseurl:beta:0']));
    const alpha = res.json.actors.find((a) => a.id === 'backend:alpha')!;
    expect(alpha).toMatchObject({ role: 'backend', state: 'closed', isolated: false, openUntil: null, probesInFlight: 0 });
    expect(alpha.health).toMatchObject({ calls: 1, failures: 0, consecutiveFailures: 0 });
    expect(alpha.health.score).toBeGreaterThan(90);
    const pool = res.json.actors.find((a) => a.role === 'pool' && a.id.includes('alpha'))!;
    expect(pool.credentials[0]).toMatchObject({ id: 'alpha-key', usable: true, disabled: null, cooldownUntil: null });
    expect(pool.credentials[0]!.weight).toBeGreaterThan(0.9);
    expect(res.text).not.toContain('secret');
  });

  it('isolate holds a backend open until release; release lets one probe through; routing follows', async () => {
    const { a, b, gw, ask } = await setup();
    const isolated = await admin<TransitionJson>(gw.url, '/admin/actors/backend:alpha/isolate', { method: 'POST' });
    expect(isolated.status).toBe(200);
    expect(isolated.json).toMatchObject({ actorId: 'backend:alpha', action: 'isolate', from: 'closed', to: 'open' });
    expect(isolated.json.actor).toMatchObject({ isolated: true, openUntil: null });
    expect(await ask()).toBe('hello from beta');
    expect(await ask()).toBe('hello from beta');
    expect(a.requests).toHaveLength(0);

    const released = await admin(gw.url, '/admin/actors/backend%3Aalpha/release', { method: 'POST' });
    expect(released.json).toMatchObject({ from: 'open', to: 'half_open' });
    expect(await ask()).toBe('hello from alpha');
    expect(gw.gateway.actors.view('backend:alpha').state).toBe('closed');
    expect(b.requests).toHaveLength(2);
    const line = gw.logs.find((l) => l.msg === 'operator control' && l.action === 'isolate');
    expect(line).toMatchObject({ actor: 'backend:alpha', from: 'closed', to: 'open' });
  });

  it('reset closes an open breaker and clears a disabled credential', async () => {
    const { a, gw, ask } = await setup();
    a.script = () => ({ kind: 'status', status: 401 });
    expect(await ask()).toBe('hello from beta');
    const poolId = gw.gateway.actors.ids.find((id) => id.startsWith('pool:alpha'))!;
    const before = await admin<ActorJson>(gw.url, `/admin/actors/${poolId}`);
    expect(before.json.credentials[0]!.disabled).toBe('http_401');
    expect(before.json.credentials[0]!.usable).toBe(false);
    a.script = () => ({ kind: 'ok' });
    expect(await ask()).toBe('hello from beta');

    await admin(gw.url, '/admin/actors/backend:alpha/isolate', { method: 'POST' });
    for (const id of ['backend:alpha', poolId]) {
      const reset = await admin<TransitionJson>(gw.url, `/admin/actors/${id}/reset`, { method: 'POST' });
      expect(reset.status).toBe(200);
      expect(reset.json.to).toBe('closed');
    }
    const after = await admin<ActorJson>(gw.url, `/admin/actors/${poolId}`);
    expect(after.json.credentials[0]).toMatchObject({ disabled: null, usable: true });
    expect(await ask()).toBe('hello from alpha');
  });

  it('answers unknown actors, unknown controls and wrong methods clearly', async () => {
    const { gw } = await setup();
    expect((await admin<ErrorJson>(gw.url, '/admin/actors/backend:nope/isolate', { method: 'POST' })).json.error.code).toBe('unknown_actor');
    expect((await admin(gw.url, '/admin/actors/backend:alpha/explode', { method: 'POST' })).status).toBe(404);
    expect((await admin(gw.url, '/admin/actors/backend:alpha/isolate')).status).toBe(405);
    expect((await admin(gw.url, '/admin/actors', { method: 'POST' })).status).toBe(405);
    expect((await admin<ErrorJson>(gw.url, '/admin/reload', { method: 'POST' })).json.error.code).toBe('reload_unavailable');
    expect(gw.gateway.actors.view('backend:alpha').state).toBe('closed');
  });
});
