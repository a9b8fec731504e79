import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { filesUnder } from '../helpers/files.js';
import { credentialList } from '../../src/machines/breaker.js';

/** Restarts in-process on real LevelDB: config changes reconcile; no secret reaches the disk. */
describe('persistence across restarts with config changes', () => {
  const dirs: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function upstream(script?: MockUpstream['script']): Promise<MockUpstream> {
    const mock = await startMockUpstream(script);
    cleanups.push(() => mock.close());
    return mock;
  }

  async function run(input: Omit<ConfigInput, 'server'>, eventLog?: string): Promise<TestGateway> {
    const gw = await startTestGateway(input, { persist: true, ...(eventLog ? { eventLog } : {}) });
    cleanups.push(() => gw.close());
    return gw;
  }

  function client(gw: TestGateway): OpenAI {
    return new OpenAI({ baseURL: gw.url, apiKey: 'client', maxRetries: 0 });
  }

  it('restores known actors, starts new ones fresh, drops removed ones, applies changed policies', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fusebox-reconcile-'));
    dirs.push(dataDir);
    const dead = await upstream(() => ({ kind: 'status', status: 503 }));
    const good = await upstream();
    const breaker = { failureThreshold: 2, recoveryMs: 60_000 };
    const first = await run({
      dataDir,
      backends: [
        { id: 'alpha', baseUrls: [dead.baseUrl], credentials: [{ id: 'a1', apiKey: 'sk-a1' }], breaker },
        { id: 'beta', priority: 1, baseUrls: [good.baseUrl], credentials: [{ id: 'b1', apiKey: 'sk-b1' }] },
        { id: 'gamma', priority: 2, baseUrls: [good.baseUrl], credentials: [{ id: 'g1', apiKey: 'sk-g1' }] },
      ],
    });
    for (let i = 0; i < 3; i++) await client(first).chat.completions.create({ model: 'm', messages: [] });
    const opened = first.gateway.actors.view('backend:alpha').context;
    expect(first.gateway.actors.view('backend:alpha').state).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const state = runCli(['state', '--data-dir', dataDir, '--json']); // while fusebox holds the lock
    expect(await state.exited).toBe(0);
    const shown = JSON.parse(state.stdout()) as { fromCopy: boolean; actors: Record<string, { state: string; context: { openUntil: number } }> };
    expect(shown.fromCopy).toBe(true);
    expect(shown.actors['backend:alpha']).toMatchObject({ state: 'open', context: { openUntil: opened.openUntil } });
    await first.close();

    const second = await run({
      dataDir,
      backends: [
        {
          id: 'alpha',
          baseUrls: [dead.baseUrl],
          credentials: [
            { id: 'a1', apiKey: 'sk-a1' },
            { id: 'a2', apiKey: 'sk-a2' },
          ],
          breaker: { ...breaker, recoveryMs: 120_000 },
        },
        { id: 'beta', priority: 1, baseUrls: [good.baseUrl], credentials: [{ id: 'b1', apiKey: 'sk-b1' }] },
        { id: 'delta', priority: 2, baseUrls: [good.baseUrl], credentials: [{ id: 'd1', apiKey: 'sk-d1' }] },
      ],
    });
    const actors = second.gateway.actors;
    expect(actors.view('backend:alpha').state).toBe('open');
    expect(actors.view('backend:alpha').context.openUntil).toBe(opened.lastTransition!.at + 120_000);
    expect(actors.view('backend:alpha').context.policy.recoveryMs).toBe(120_000);
    expect(credentialList(actors.view('pool:alpha:default').context).map((c) => c.id)).toEqual(['a1', 'a2']);
    expect(actors.view('backend:beta').context.health.recent.length).toBeGreaterThan(0);
    expect(actors.view('backend:delta').context.health.recent).toEqual([]);
    expect(second.logs.find((l) => String(l.msg).startsWith('restored'))).toMatchObject({
      dropped: expect.arrayContaining(['backend:gamma']) as unknown,
    });
    await second.close();

    const db = new Level<string, string>(dataDir);
    const keys: string[] = [];
    for await (const key of db.sublevel('actors', {}).keys()) keys.push(key);
    await db.close();
    expect(keys.filter((key) => key.includes('gamma'))).toEqual([]);
    expect(keys).toContain('backend:delta');
  });

  it('keeps credential fingerprints stable across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fusebox-fp-'));
    dirs.push(dataDir);
    const good = await upstream();
    const input = { dataDir, backends: [{ id: 'a', baseUrls: [good.baseUrl], credentials: [{ apiKey: 'sk-no-id' }] }] };
    const first = await run(input);
    const before = credentialList(first.gateway.actors.view('pool:a:default').context).map((c) => c.id);
    await first.close();
    const second = await run(input);
    expect(credentialList(second.gateway.actors.view('pool:a:default').context).map((c) => c.id)).toEqual(before);
    expect(before[0]).toMatch(/^fp-[0-9a-f]{12}$/);
  });

  it('writes a canary API key nowhere: not the data directory, the logs or the event log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-canary-'));
    dirs.push(dir);
    const canary = `sk-canary-${Math.random().toString(36).slice(2)}-do-not-store`;
    let calls = 0;
    const flaky = await upstream(() => {
      calls += 1;
      if (calls === 1) return { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
      if (calls === 2) return { kind: 'status', status: 401 };
      if (calls === 3) return { kind: 'status', status: 503 };
      return { kind: 'ok' };
    });
    const eventLog = join(dir, 'events.ndjson');
    const input = {
      dataDir: join(dir, 'data'),
      backends: [
        { id: 'a', baseUrls: [flaky.baseUrl], credentials: [{ apiKey: canary }, { apiKey: `${canary}-2` }] },
        { id: 'b', priority: 1, baseUrls: [flaky.baseUrl], credentials: [{ apiKey: `${canary}-3` }] },
      ],
    };
    const gw = await run(input, eventLog);
    for (let i = 0; i < 6; i++)
      await client(gw)
        .chat.completions.create({ model: 'm', messages: [] })
        .catch(() => undefined);
    await gw.close();
    const again = await run(input, eventLog); // a restart reads and rewrites the store
    await again.close();

    expect(flaky.requests.some((r) => String(r.headers.authorization).includes(canary))).toBe(true);
    const files = filesUnder(dir);
    expect(files.some((f) => f.endsWith('events.ndjson'))).toBe(true);
    expect(files.some((f) => f.includes('data'))).toBe(true);
    for (const file of files) expect(readFileSync(file).includes(canary), file).toBe(false);
    for (const line of [...gw.rawLogs, ...again.rawLogs]) expect(line.includes(canary)).toBe(false);
    const db = new Level<string, string>(input.dataDir);
    for await (const [key, value] of db.iterator()) expect(`${key}${value}`.includes(canary)).toBe(false);
    await db.close();
  });
});
