import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/app/gateway.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { credentialList, credentialOf } from '../../src/machines/breaker.js';
import { ADMIN_TOKEN, admin, openFeed, type ActorJson, type ErrorJson } from '../helpers/admin.js';
import { runCli, waitFor, type CliRun } from '../helpers/cli.js';
import { backendsFor, startTestGateway } from '../helpers/gateway.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

describe('config reload (POST /admin/reload, SIGHUP)', () => {
  const cleanups = cleanupAfterEach();

  async function upstreams(...names: string[]): Promise<MockUpstream[]> {
    const started = await Promise.all(names.map((name) => startMockUpstream(undefined, name)));
    cleanups.push(...started.map((u) => () => u.close()));
    return started;
  }

  it('updates a changed pool in place: a credential disabled before the reload stays disabled', async () => {
    const [a] = await upstreams('alpha');
    a!.script = (req) => (req.headers.authorization === 'Bearer sk-bad' ? { kind: 'status', status: 401 } : { kind: 'ok' });
    const creds = [
      { id: 'bad', apiKey: 'sk-bad' },
      { id: 'good', apiKey: 'sk-good' },
    ];
    let next: ConfigInput = { backends: [{ id: 'alpha', baseUrls: [a!.baseUrl], credentials: creds }] };
    const gw = await startTestGateway(
      { ...next, server: { adminToken: ADMIN_TOKEN } },
      { loadConfig: () => parseConfig({ ...next, server: { port: 0, adminToken: ADMIN_TOKEN } }) },
    );
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const pool = () => gw.gateway.actors.view('pool:alpha:default').context;
    // The credential is picked at random: ask until the bad key has been met (and disabled) and the good one used.
    for (let i = 0; i < 50 && !(credentialOf(pool(), 'bad')?.disabled && credentialOf(pool(), 'good')?.health.recent.length); i++) {
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `q${i}` }] });
    }
    expect(credentialOf(pool(), 'bad')?.disabled).toBe('http_401');

    next = { backends: [{ id: 'alpha', baseUrls: [a!.baseUrl], credentials: [...creds, { id: 'extra', apiKey: 'sk-extra-key' }] }] };
    expect(gw.logScrubber.scrub('key sk-extra-key')).toBe('key sk-extra-key');
    const reloaded = await admin<{ added: string[]; removed: string[]; kept: string[] }>(gw.url, '/admin/reload', { method: 'POST' });
    // The log learns the new key's value at once, not at the next restart.
    expect(gw.logScrubber.scrub('key sk-extra-key')).toBe('key [redacted]');
    expect(reloaded.json).toMatchObject({ ok: true, updated: ['pool:alpha:default'] });
    expect(credentialList(pool()).map((c) => c.id)).toEqual(['bad', 'good', 'extra']);
    expect(credentialOf(pool(), 'bad')?.disabled).toBe('http_401');
    expect(credentialOf(pool(), 'good')?.health.recent.length).toBeGreaterThan(0);
    expect(credentialOf(pool(), 'extra')?.health.recent).toEqual([]);
    const before = a!.requests.filter((r) => r.headers.authorization === 'Bearer sk-bad').length;
    for (let i = 0; i < 6; i++) await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `r${i}` }] });
    expect(a!.requests.filter((r) => r.headers.authorization === 'Bearer sk-bad').length).toBe(before);
  });

  it('reconciles actors and routes without dropping a request in flight', async () => {
    const [a, b, c] = await upstreams('alpha', 'beta', 'gamma');
    const first: ConfigInput = {
      backends: backendsFor({ id: 'alpha', baseUrls: [a!.baseUrl], priority: 1 }, { id: 'beta', baseUrls: [b!.baseUrl] }),
    };
    let next: ConfigInput = first;
    const gw = await startTestGateway(
      { ...first, server: { adminToken: ADMIN_TOKEN } },
      { loadConfig: () => parseConfig({ ...next, server: { port: 0, adminToken: ADMIN_TOKEN } }) },
    );
    cleanups.push(() => gw.close());
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const feed = await openFeed(gw.url);
    cleanups.push(() => feed.close());
    await admin(gw.url, '/admin/actors/backend:alpha/isolate', { method: 'POST' });

    b!.script = () => ({ kind: 'ok', delayMs: 300 });
    const inFlight = client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'slow' }] });
    await vi.waitFor(() => expect(b!.requests.length).toBeGreaterThan(0), { timeout: 1_000, interval: 5 });
    expect(b!.requests).toHaveLength(1);

    next = { backends: backendsFor({ id: 'alpha', baseUrls: [a!.baseUrl], priority: 1 }, { id: 'gamma', baseUrls: [c!.baseUrl] }) };
    const reloaded = await admin<{ added: string[]; removed: string[]; kept: string[] }>(gw.url, '/admin/reload', { method: 'POST' });
    expect(reloaded.status).toBe(200);
    expect(reloaded.json).toMatchObject({ ok: true, restartRequired: [] });
    expect(reloaded.json.added).toEqual(expect.arrayContaining(['backend:gamma', 'baseurl:gamma:0']));
    expect(reloaded.json.removed).toEqual(expect.arrayContaining(['backend:beta', 'baseurl:beta:0']));
    expect(reloaded.json.kept).toEqual(expect.arrayContaining(['backend:alpha', 'baseurl:alpha:0']));

    const slow = await inFlight;
    expect(slow.choices[0]?.message.content).toBe('hello from beta');
    expect(gw.gateway.actors.ids.some((id) => id.includes('beta'))).toBe(false);
    expect(gw.gateway.actors.view('backend:alpha')).toMatchObject({ state: 'open', context: { isolated: true } });
    const reply = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'after' }] });
    expect(reply.choices[0]?.message.content).toBe('hello from gamma');
    const fleet = await feed.next<{ actors: ActorJson[] }>((e) => e.event === 'fleet');
    expect(fleet.data.actors.map((x) => x.id)).toEqual(gw.gateway.actors.ids);
    expect(gw.logs.some((l) => l.msg === 'request failed unexpectedly')).toBe(false);
  });

  it('keeps everything as it was when the new config is invalid', async () => {
    const [a] = await upstreams('alpha');
    const config = { backends: backendsFor({ id: 'alpha', baseUrls: [a!.baseUrl] }) };
    let broken = false;
    const gw = await startTestGateway(
      { ...config, server: { adminToken: ADMIN_TOKEN } },
      {
        loadConfig: () =>
          parseConfig(
            broken
              ? { backends: [{ id: 'alpha', baseUrls: ['nope'], credentials: [] }] }
              : { ...config, server: { port: 0, adminToken: 'a-brand-new-admin-token' } },
          ),
      },
    );
    cleanups.push(() => gw.close());
    broken = true;
    const refused = await admin<ErrorJson>(gw.url, '/admin/reload', { method: 'POST' });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('invalid_config');
    expect(refused.json.error.message).toContain('backends[0].baseUrls[0]');
    expect(refused.json.error.message).toContain('nothing was changed');
    expect(gw.gateway.actors.ids).toContain('backend:alpha');

    broken = false;
    expect((await admin(gw.url, '/admin/reload', { method: 'POST' })).status).toBe(200);
    expect((await admin(gw.url, '/admin/actors')).status).toBe(401);
    expect((await admin(gw.url, '/admin/actors', { token: 'a-brand-new-admin-token' })).status).toBe(200);
  });

  it('rotates client keys at once, and refuses a reload that would leave an exposed gateway without keys', async () => {
    const [a] = await upstreams('alpha');
    const backends = backendsFor({ id: 'alpha', baseUrls: [a!.baseUrl] });
    let apiKeys = ['client-key-old-1234'];
    const gw = await startTestGateway(
      { backends, server: { adminToken: ADMIN_TOKEN, apiKeys } },
      { loadConfig: () => parseConfig({ backends, server: { port: 0, adminToken: ADMIN_TOKEN, apiKeys } }) },
    );
    cleanups.push(() => gw.close());
    const ask = (key: string) =>
      new OpenAI({ baseURL: gw.url, apiKey: key, maxRetries: 0 }).chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      });
    await expect(ask('client-key-old-1234')).resolves.toMatchObject({ object: 'chat.completion' });

    apiKeys = ['client-key-new-5678'];
    const reloaded = await admin<{ added: string[]; removed: string[]; kept: string[] }>(gw.url, '/admin/reload', { method: 'POST' });
    expect(reloaded.json).toMatchObject({ ok: true, restartRequired: [] });
    await expect(ask('client-key-old-1234')).rejects.toMatchObject({ status: 401 });
    await expect(ask('client-key-new-5678')).resolves.toMatchObject({ object: 'chat.completion' });
    expect(gw.logScrubber.scrub('client-key-new-5678')).toBe('[redacted]');

    // Not listening: a config for 0.0.0.0 is only built, to see the reload refused.
    let exposedKeys = ['client-key-exposed-1'];
    const exposed = createGateway(parseConfig({ backends, server: { host: '0.0.0.0', apiKeys: exposedKeys } }), {
      logger: pino({ level: 'silent' }),
      loadConfig: () => parseConfig({ backends, server: { host: '0.0.0.0', apiKeys: exposedKeys } }),
    });
    cleanups.push(() => exposed.close());
    exposedKeys = [];
    await expect(exposed.reload()).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('server.apiKeys is empty') as unknown,
    });
  });

  it('reloads on SIGHUP in `fusebox start`', async () => {
    const [a, b] = await upstreams('alpha', 'beta');
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-reload-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'fusebox.yaml');
    const yaml = (url: string) =>
      `server: { port: 0, adminToken: ${ADMIN_TOKEN} }\ndataDir: ${join(dir, 'data')}\nbackends:\n  - { id: one, baseUrls: ["${url}"], credentials: [{apiKey: sk-reload-secret}] }\n`;
    writeFileSync(file, yaml(a!.baseUrl));
    const run: CliRun = runCli(['start', '--config', file]);
    cleanups.push(async () => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exited;
    });
    const out = await waitFor(run.stdout, (text) => /listening on (http:\/\/\S+?)"/.test(text), run);
    const url = /listening on (http:\/\/\S+?)"/.exec(out)![1]!;
    const client = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 });
    const ask = async () =>
      (await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).choices[0]?.message.content;
    expect(await ask()).toBe('hello from alpha');

    writeFileSync(file, yaml(b!.baseUrl));
    run.child.kill('SIGHUP');
    await waitFor(run.stdout, (text) => text.includes('config reloaded'), run);
    expect(await ask()).toBe('hello from beta');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).not.toContain('sk-reload-secret');
  });
});
