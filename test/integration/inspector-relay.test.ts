import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startInspector } from '../../src/inspect/inspector.js';
import { startMockUpstream } from '../helpers/upstream.js';
import { runCli, waitFor, type CliRun } from '../helpers/cli.js';
import { backendsFor, startTestGateway } from '../helpers/gateway.js';
import { until } from '../helpers/wait.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';

interface Message {
  readonly type: string;
  readonly sessionId: string;
  readonly name?: string;
  readonly event?: { type: string };
  readonly snapshot?: { value?: unknown; context?: { id?: string } };
}

/** A viewer on the relay, as the browser bridge page is: collects every message it is sent. */
async function viewer(port: number, origin?: string) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`, origin ? { origin } : {});
  const raw: string[] = [];
  socket.on('message', (data) => raw.push((data as Buffer).toString())); // binaryType 'nodebuffer': one Buffer a message
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, raw, messages: () => raw.map((m) => JSON.parse(m) as Message) };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the Stately inspector relay (--inspect)', () => {
  const cleanups = cleanupAfterEach();

  it('relays actor, event and snapshot messages for a breaker that opens, with no secret in any', async () => {
    const relay = await startInspector({ port: 0 });
    cleanups.push(() => relay.stop());
    const a = await startMockUpstream(() => ({ kind: 'status', status: 503 }), 'alpha');
    const b = await startMockUpstream(undefined, 'beta');
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const gw = await startTestGateway(
      {
        backends: backendsFor(
          { id: 'alpha', baseUrls: [a.baseUrl], apiKey: 'sk-alpha-inspect-secret-1' },
          { id: 'beta', baseUrls: [b.baseUrl], priority: 1, apiKey: 'sk-beta-inspect-secret-2' },
        ).map((backend) => ({ ...backend, breaker: { failureThreshold: 2, recoveryMs: 60_000 } })),
      },
      { inspect: relay.inspect },
    );
    cleanups.push(() => gw.close());
    const early = await viewer(relay.port);
    cleanups.push(() => early.socket.close());

    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(gw.gateway.actors.view('backend:alpha').state).toBe('open');

    const isAlpha = (m: Message) => m.snapshot?.context?.id === 'backend:alpha';
    await until(() => early.messages().some((m) => m.type === '@xstate.snapshot' && isAlpha(m) && m.snapshot?.value === 'open'), 'the open snapshot');
    const messages = early.messages();
    const actor = messages.find((m) => m.type === '@xstate.actor' && isAlpha(m));
    expect(actor).toMatchObject({ name: 'backend:alpha' });
    const events = messages.filter((m) => m.type === '@xstate.event' && m.sessionId === actor!.sessionId).map((m) => m.event?.type);
    expect(events).toEqual(expect.arrayContaining(['call.failed']));
    expect(messages.some((m) => m.type === '@xstate.actor' && m.name === 'fusebox')).toBe(true);
    for (const raw of early.raw) {
      expect(raw).not.toContain('inspect-secret');
      expect(raw).not.toMatch(/sk-[a-z]+-inspect/);
    }

    // A viewer that arrives late still gets every actor and its latest snapshot.
    const late = await viewer(relay.port);
    cleanups.push(() => late.socket.close());
    await until(() => late.messages().some((m) => m.type === '@xstate.snapshot' && isAlpha(m)), 'the replay');
    const actorIds = late
      .messages()
      .filter((m) => m.type === '@xstate.actor')
      .map((m) => m.name);
    expect(actorIds).toEqual(expect.arrayContaining([...gw.gateway.actors.ids]));
  });

  it('listens on loopback only and refuses pages from other origins', async () => {
    const relay = await startInspector({ port: 0 });
    cleanups.push(() => relay.stop());
    expect(relay.url).toBe(`http://127.0.0.1:${relay.port}/`);
    const page = await fetch(relay.url);
    expect(await page.text()).toContain('https://stately.ai/inspect');
    await expect(viewer(relay.port, 'https://evil.example')).rejects.toThrow(/Unexpected server response: 40[13]/);
    const own = await viewer(relay.port, `http://127.0.0.1:${relay.port}`);
    own.socket.close();
    const foreign = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: relay.port, path: '/', headers: { host: `attacker.example:${relay.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(foreign).toBe(403);
  });

  it('fusebox start --inspect PORT relays the fleet and still exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-inspect-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'fusebox.yaml');
    writeFileSync(
      file,
      `server: { port: 0 }\ndataDir: ${join(dir, 'data')}\nbackends:\n  - { id: one, baseUrls: ["http://127.0.0.1:9/v1"], credentials: [{apiKey: sk-cli-inspect-secret}] }\n`,
    );
    const run: CliRun = runCli(['start', '--config', file, '--inspect', String(port)]);
    cleanups.push(async () => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exited;
    });
    await waitFor(run.stdout, (text) => text.includes('listening on'), run);
    expect(run.stdout()).toContain(`http://127.0.0.1:${port}/`);
    const view = await viewer(port);
    await until(() => view.messages().some((m) => m.type === '@xstate.actor' && m.name === 'backend:one'), 'the fleet');
    expect(view.raw.join('')).not.toContain('sk-cli-inspect-secret');
    view.socket.close();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('is loaded by nothing but a dynamic import', () => {
    const root = new URL('../../src/', import.meta.url).pathname;
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
    for (const file of files(root).filter((f) => f.endsWith('.ts') && !f.endsWith('inspector.ts'))) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from ['"]@statelyai\/inspect/);
      expect(text.replace(/^import type [^;]*;$/gm, ''), file).not.toMatch(/^import [^;]*inspector\.js['"]/m);
    }
  });
});
