import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { replayLog } from '../../src/replay/replay.js';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { seededRandom } from '../../src/routing/random.js';
import { runCli } from '../helpers/cli.js';
import { startTestGateway } from '../helpers/gateway.js';

/** A live run's final actor states equal the replay of its own event log, across a restart too. */
describe('a live run against the replay of its own log', () => {
  const dirs: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function upstream(script: MockUpstream['script'], name: string): Promise<MockUpstream> {
    const mock = await startMockUpstream(script, name);
    cleanups.push(() => mock.close());
    return mock;
  }

  it('ends in exactly the states the replay computes (two sessions, one restored from the store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-live-'));
    dirs.push(dir);
    let n = 0;
    const alpha = await upstream(() => {
      n += 1;
      // The very first call (alpha has priority) fails and opens alpha's breaker, whatever the
      // timing of the rest: keys' 429s and 401s no longer open a pool's breaker.
      if (n === 1) return { kind: 'status', status: 503 };
      if (n % 5 === 0) return { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
      if (n % 3 === 0) return { kind: 'status', status: 503 };
      if (n === 7) return { kind: 'status', status: 401 };
      return { kind: 'ok' };
    }, 'alpha');
    const beta = await upstream(() => ({ kind: 'ok' }), 'beta');
    const eventLog = join(dir, 'events.ndjson');
    const input = {
      dataDir: join(dir, 'data'),
      backends: [
        {
          id: 'alpha',
          baseUrls: [alpha.baseUrl, alpha.baseUrl],
          credentials: [{ id: 'a1', apiKey: 'sk-a1' }, { id: 'a2', apiKey: 'sk-a2' }, { apiKey: 'sk-a3' }],
          breaker: { failureThreshold: 1, recoveryMs: 50 },
        },
        { id: 'beta', priority: 1, baseUrls: [beta.baseUrl], credentials: [{ id: 'b1', apiKey: 'sk-b1' }] },
      ],
    };
    let finals: Record<string, unknown> = {};
    for (const session of [1, 2]) {
      const gw = await startTestGateway(input, { persist: true, eventLog, random: seededRandom(session) });
      const client = new OpenAI({ baseURL: gw.url, apiKey: 'client', maxRetries: 0 });
      const asks = Array.from({ length: 12 }, (_, i) =>
        new Promise((resolve) => setTimeout(resolve, i * 15)).then(() =>
          client.chat.completions.create({ model: 'm', messages: [], stream: i % 2 === 0 }).then(
            async (reply) => {
              if (Symbol.asyncIterator in reply) for await (const _chunk of reply);
            },
            () => undefined,
          ),
        ),
      );
      await Promise.all(asks);
      await new Promise((resolve) => setTimeout(resolve, 120)); // let deadlines tick
      await gw.close();
      finals = Object.fromEntries(gw.gateway.actors.ids.map((id) => [id, gw.gateway.actors.view(id)]));
    }

    const text = readFileSync(eventLog, 'utf8');
    const replayed = replayLog(text);
    expect(replayed.sessions).toBe(2);
    expect(replayed.events).toBeGreaterThan(40);
    expect(JSON.parse(JSON.stringify(replayed.final))).toEqual(JSON.parse(JSON.stringify(finals)));
    expect(replayed.timeline.some((e) => e.kind === 'breaker' && e.to === 'open')).toBe(true);

    // `fusebox state` shows the same final states from the data directory.
    const state = runCli(['state', '--data-dir', input.dataDir, '--json']);
    expect(await state.exited).toBe(0);
    const stored = JSON.parse(state.stdout()) as { actors: Record<string, { state: string; context: unknown }> };
    for (const [id, view] of Object.entries(replayed.final)) {
      expect(stored.actors[id]?.state, id).toBe(view.state);
      expect(JSON.parse(JSON.stringify(stored.actors[id]?.context))).toEqual(JSON.parse(JSON.stringify(view.context)));
    }
    const table = runCli(['state', '--data-dir', input.dataDir]);
    expect(await table.exited).toBe(0);
    expect(table.stdout()).toMatch(/backend:alpha\s+(closed|open|half_open)/);
  });

  it('tolerates a line cut off by a crash at the end of the log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-cut-'));
    dirs.push(dir);
    const text = readFileSync(new URL('../fixtures/credential-429.ndjson', import.meta.url), 'utf8');
    const cut = `${text}{"at":17,"actor":"backend:al`;
    writeFileSync(join(dir, 'cut.ndjson'), cut);
    expect(replayLog(cut).final).toEqual(replayLog(text).final);
    expect(() => replayLog(`${cut}\n${text}`)).toThrow(/line \d+: not valid JSON/);
  });
});
