import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openSnapshotStore, type SnapshotStore } from '../../src/persistence/snapshot-store.js';
import { SCHEMA_VERSION } from '../../src/persistence/snapshot-record.js';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/** Lock, corruption and old-schema cases on real LevelDB in a temp directory. */
describe('persistence faults', () => {
  const dirs: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-faults-'));
    dirs.push(dir);
    return dir;
  }

  async function upstream(): Promise<MockUpstream> {
    const mock = await startMockUpstream();
    cleanups.push(() => mock.close());
    return mock;
  }

  async function gateway(dataDir: string, mock: MockUpstream): Promise<TestGateway> {
    const gw = await startTestGateway(
      { dataDir, backends: [{ id: 'a', baseUrls: [mock.baseUrl], credentials: [{ id: 'a-key', apiKey: 'sk-a' }] }] },
      { persist: true },
    );
    cleanups.push(() => gw.close());
    return gw;
  }

  it('refuses a data directory locked by another process: names it, exits 2', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const holder: SnapshotStore = await openSnapshotStore({ dataDir, logger: pino({ level: 'silent' }), now: Date.now });
    cleanups.push(() => holder.close());
    const mock = await upstream();
    const config = join(dir, 'fusebox.yaml');
    writeFileSync(
      config,
      `server: { port: 0 }\ndataDir: ${dataDir}\nbackends:\n  - { id: a, baseUrls: ["${mock.baseUrl}"], credentials: [{ apiKey: sk-a }] }\n`,
    );
    const run: CliRun = runCli(['start', '--config', config]);
    cleanups.push(async () => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      await run.exited;
    });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain(`data directory ${dataDir} is locked by another process`);
  });

  it('moves an unreadable store aside with a warning and starts fresh', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'CURRENT'), 'MANIFEST-000002\n');
    writeFileSync(join(dataDir, 'MANIFEST-000002'), 'this is not a LevelDB manifest at all');
    const gw = await gateway(dataDir, await upstream());
    const warning = gw.logs.find((line) => line.msg === 'snapshot store unreadable: moved aside, starting fresh');
    expect(warning).toBeDefined();
    const aside = readdirSync(dir).find((name) => name.startsWith('data.corrupt-'));
    expect(aside).toBeDefined();
    expect(warning?.movedTo).toBe(join(dir, aside!));
    expect(gw.gateway.actors.view('backend:a').state).toBe('closed');
    const response = await fetch(`${gw.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    expect(response.status).toBe(200);
    expect(existsSync(join(dataDir, 'CURRENT'))).toBe(true);
  });

  it('discards a snapshot from an older schema with a warning; the actor starts fresh', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const db = new Level<string, string>(dataDir);
    const oldSnapshot = { status: 'active', value: 'open', context: { openUntil: Date.now() + 60_000 } };
    await db.sublevel('actors', {}).put('backend:a', JSON.stringify({ version: 0, snapshot: oldSnapshot }));
    await db.close();
    const gw = await gateway(dataDir, await upstream());
    const warning = gw.logs.find((line) => line.msg === 'discarding a stored snapshot; the actor starts fresh');
    expect(warning).toMatchObject({ actor: 'backend:a', reason: `schema 0 is older than ${SCHEMA_VERSION} and cannot be migrated` });
    expect(gw.gateway.actors.view('backend:a').state).toBe('closed');
    await gw.close();
    const store = await openSnapshotStore({ dataDir, logger: pino({ level: 'silent' }), now: Date.now });
    cleanups.push(() => store.close());
    expect(store.records.get('backend:a')?.schema).toBe(SCHEMA_VERSION);
    expect(store.records.get('backend:a')?.snapshot.value).toBe('closed');
  });
});
