import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockUpstream } from '../helpers/upstream.js';
import { ADMIN_TOKEN, admin, openFeed, type ActorJson, type TransitionJson } from '../helpers/admin.js';
import { backendsFor, startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

describe('the admin SSE feed (/admin/events)', () => {
  const cleanups = cleanupAfterEach();

  async function setup() {
    const a = await startMockUpstream(undefined, 'alpha');
    const b = await startMockUpstream(undefined, 'beta');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const gw = await startTestGateway({
      server: { adminToken: ADMIN_TOKEN },
      backends: backendsFor(
        { id: 'alpha', baseUrls: [a.baseUrl], apiKey: 'sk-alpha-feed-secret-123' },
        { id: 'beta', baseUrls: [b.baseUrl], priority: 1, apiKey: 'sk-beta-feed-secret-456' },
      ).map((backend) => ({ ...backend, breaker: { failureThreshold: 2, recoveryMs: 60_000 } })),
    });
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    return { a, gw, client };
  }

  it('needs the admin token', async () => {
    const { gw } = await setup();
    const res = await fetch(new URL('/admin/events', gw.url));
    expect(res.status).toBe(401);
  });

  it('sends a snapshot, then each breaker transition as it happens, without secrets', async () => {
    const { a, gw, client } = await setup();
    const feed = await openFeed(gw.url);
    cleanups.push(() => feed.close());
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const snapshot = await feed.next<{ actors: ActorJson[] }>((e) => e.event === 'snapshot');
    expect(snapshot.data.actors.map((x) => x.id)).toEqual(gw.gateway.actors.ids);

    a.script = () => ({ kind: 'status', status: 503 });
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const opened = await feed.next<TransitionJson>((e) => e.event === 'transition' && e.data.actorId === 'backend:alpha');
    expect(opened.data).toMatchObject({ from: 'closed', to: 'open', event: 'call.failed' });
    expect(opened.data.reason).toContain('2 consecutive failures');
    expect(opened.data.actor.openUntil).toBeGreaterThan(Date.now());

    await admin(gw.url, '/admin/actors/backend:beta/isolate', { method: 'POST' });
    const isolated = await feed.next<TransitionJson>((e) => e.event === 'transition' && e.data.actorId === 'backend:beta');
    expect(isolated.data).toMatchObject({ from: 'closed', to: 'open', event: 'operator.isolate', reason: 'isolated by operator' });

    const update = await feed.next<ActorJson>((e) => e.event === 'actor' && e.data.id === 'baseurl:beta:0' && e.data.health.calls > 0);
    expect(update.data.state).toBe('closed');
    const all = feed.raw.join('\n');
    expect(all).not.toContain('feed-secret');
  });

  it('ends its streams when the gateway closes', async () => {
    const { gw } = await setup();
    const feed = await openFeed(gw.url);
    await feed.next((e) => e.event === 'snapshot');
    await gw.close();
    await feed.close();
  });
});
