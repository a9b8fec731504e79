import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openSnapshotStore } from '../../src/persistence/snapshot-store.js';
import { replayLog } from '../../src/replay/replay.js';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { runCli, waitFor, type CliRun } from '../helpers/cli.js';

/**
 * A real fusebox process, a breaker opened by a dead upstream, SIGKILL, restart: the breaker
 * is still open with its original deadline and goes half_open at that deadline.
 */
describe('persistence across a SIGKILL', () => {
  const dirs: string[] = [];
  const runs: CliRun[] = [];
  const upstreams: MockUpstream[] = [];
  afterEach(async () => {
    for (const run of runs.splice(0)) {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      await run.exited;
    }
    for (const upstream of upstreams.splice(0)) await upstream.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function startFusebox(config: string, record: string): Promise<{ run: CliRun; url: string }> {
    const run = runCli(['start', '--config', config, '--record', record]);
    runs.push(run);
    const out = await waitFor(run.stdout, (text) => text.includes('fusebox listening on'), run);
    const line = out.split('\n').find((l) => l.includes('fusebox listening on'))!;
    return { run, url: (JSON.parse(line) as { url: string }).url };
  }

  async function ask(url: string): Promise<number> {
    const response = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer client' },
      body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  async function storedAlpha(dataDir: string) {
    const store = await openSnapshotStore({ dataDir, logger: pino({ level: 'silent' }), now: Date.now });
    try {
      return store.records.get('backend:alpha')!.snapshot;
    } finally {
      await store.close();
    }
  }

  it('keeps an open breaker open after a restart and half-opens it at its original deadline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-persist-'));
    dirs.push(dir);
    const dead = await startMockUpstream(() => ({ kind: 'status', status: 503 }), 'dead');
    const good = await startMockUpstream(undefined, 'good');
    upstreams.push(dead, good);
    const config = join(dir, 'fusebox.yaml');
    writeFileSync(
      config,
      [
        'server: { port: 0 }',
        `dataDir: ${join(dir, 'data')}`,
        'backends:',
        `  - { id: alpha, baseUrls: ["${dead.baseUrl}"], credentials: [{ id: a-key, apiKey: sk-alpha }], breaker: { failureThreshold: 2, recoveryMs: 6000 } }`,
        `  - { id: beta, priority: 1, baseUrls: ["${good.baseUrl}"], credentials: [{ id: b-key, apiKey: sk-beta }] }`,
        '',
      ].join('\n'),
    );

    const first = await startFusebox(config, join(dir, 'first.ndjson'));
    for (let i = 0; i < 3; i++) expect(await ask(first.url)).toBe(200);
    expect(dead.requests).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 150)); // on disk within 100 ms
    first.run.child.kill('SIGKILL');
    await first.run.exited;

    const killed = await storedAlpha(join(dir, 'data'));
    expect(killed.value).toBe('open');
    const deadline = killed.context.openUntil!;
    expect(deadline).toBeGreaterThan(Date.now());

    const record = join(dir, 'second.ndjson');
    const second = await startFusebox(config, record);
    expect(await ask(second.url)).toBe(200);
    expect(dead.requests).toHaveLength(2); // no request to the dead backend while it is open

    // Wait past the deadline, stop gracefully, and read what happened.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 300));
    second.run.child.kill('SIGTERM');
    expect(await second.run.exited).toBe(0);

    const log = readFileSync(record, 'utf8');
    const header = JSON.parse(log.slice(0, log.indexOf('\n'))) as {
      at: number;
      snapshots: Record<string, { value: string; context: { openUntil: number } }>;
    };
    expect(header.at).toBeLessThan(deadline);
    expect(header.snapshots['backend:alpha']).toMatchObject({ value: 'open', context: { openUntil: deadline } });
    const halfOpen = replayLog(log).timeline.find((e) => e.actor === 'backend:alpha' && e.to === 'half_open');
    expect(halfOpen).toMatchObject({ from: 'open', why: 'recovery deadline passed' });
    expect(halfOpen!.at).toBeGreaterThanOrEqual(deadline);
    expect(halfOpen!.at - deadline).toBeLessThan(1_000);

    const after = await storedAlpha(join(dir, 'data'));
    expect(after.value).toBe('half_open');
    expect(after.context.openUntil).toBe(deadline);
  });
});
