import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMockUpstream, type Behavior, type MockUpstream } from '../helpers/upstream.js';
import { runCli, waitFor, type CliRun } from '../helpers/cli.js';
import { call, chat, type RawReply } from '../helpers/raw-http.js';
import { cleanupAfterEach } from '../helpers/cleanups.js';
import { filesUnder } from '../helpers/files.js';

/**
 * The canary run: fusebox is started by its CLI with canary keys from the environment; an
 * upstream echoes the credential it receives in error bodies, headers and redirects; then
 * every log line (stdout, stderr), every response and every file fusebox wrote (data dir,
 * event log) is searched for the canaries.
 */
const UPSTREAM_CANARY = 'sk-canary-upstream-7f3a9c2e5b1d4086';
const UPSTREAM_CANARY_2 = 'sk-canary-upstream-second-3e8d21aa';
const CLIENT_CANARY = 'fbx-canary-client-55aa0c1d';
/** A backend's extra header and query values written with ${ENV}: secrets like the keys. */
const HEADER_CANARY = 'hdr-canary-9b4e1f0a7c';
const QUERY_CANARY = 'qry-canary-2d6a8e3f51';
const CANARIES = [UPSTREAM_CANARY, UPSTREAM_CANARY_2, CLIENT_CANARY, HEADER_CANARY, QUERY_CANARY];

describe('security: no secret leaves fusebox', () => {
  const cleanups = cleanupAfterEach();

  async function startCli(alpha: MockUpstream, beta: MockUpstream, dir: string): Promise<{ run: CliRun; port: number }> {
    const file = join(dir, 'fusebox.yaml');
    writeFileSync(
      file,
      [
        'server: { port: 0, apiKeys: ["${FBX_CLIENT_KEY}"] }',
        `dataDir: ${join(dir, 'data')}`,
        `eventLog: ${join(dir, 'events.ndjson')}`,
        'backends:',
        `  - { id: alpha, priority: 0, baseUrls: ["${alpha.baseUrl}"], credentials: [{ id: alpha-key, apiKey: "\${ALPHA_KEY}" }, { id: alpha-key-2, apiKey: "\${ALPHA_KEY_2}" }], headers: { x-gateway-token: "\${GATEWAY_TOKEN}" }, query: { sig: "\${QUERY_SIG}" } }`,
        `  - { id: beta, priority: 1, baseUrls: ["${beta.baseUrl}"], credentials: [{ id: beta-key, apiKey: beta-key-0123456789 }] }`,
        '',
      ].join('\n'),
    );
    const run = runCli(['start', '--config', file, '--log-level', 'debug'], {
      FBX_CLIENT_KEY: CLIENT_CANARY,
      ALPHA_KEY: UPSTREAM_CANARY,
      ALPHA_KEY_2: UPSTREAM_CANARY_2,
      GATEWAY_TOKEN: HEADER_CANARY,
      QUERY_SIG: QUERY_CANARY,
    });
    cleanups.push(async () => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exited;
    });
    const out = await waitFor(run.stdout, (text) => /listening on http:\/\/127\.0\.0\.1:\d+/.test(text), run);
    return { run, port: Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]) };
  }

  it('keeps canary keys out of every log line, response and stored file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-canary-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const echo = (auth: unknown) => `request with credential ${String(auth)} refused`;
    const plan: ((headers: Record<string, unknown>, path: string) => Behavior)[] = [
      (h) => ({ kind: 'status', status: 400, body: { error: { message: echo(h.authorization), type: 'invalid_request_error' } } }),
      () => ({ kind: 'status', status: 404, body: { error: { message: 'see http://10.1.2.3:8080/internal/route for details' } } }),
      () => ({ kind: 'status', status: 400, body: { error: { message: 'Error: boom\n    at handler (/srv/app/server.js:42:13)' } } }),
      () => ({ kind: 'status', status: 400, body: { error: { message: 'max_tokens is too large', type: 'invalid_request_error' } } }),
      (h) => ({ kind: 'status', status: 400, body: { error: { message: `unknown gateway token ${String(h['x-gateway-token'])}` } } }),
      (_h, path) => ({ kind: 'status', status: 400, body: { error: { message: `bad signature in ${path}` } } }),
      (h) => ({ kind: 'status', status: 500, body: { error: { message: echo(h.authorization) } }, headers: { 'x-echo': String(h.authorization) } }),
      () => ({ kind: 'status', status: 302, headers: { location: `http://10.0.0.7/v1?key=${UPSTREAM_CANARY}` } }),
      (h) => ({ kind: 'status', status: 429, body: { error: { message: echo(h.authorization) } }, headers: { 'x-echo': String(h.authorization) } }),
      (h) => ({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${String(h.authorization)}` } } }),
    ];
    const alpha = await startMockUpstream((request, index) => plan[index]?.(request.headers, request.path) ?? { kind: 'ok' }, 'alpha');
    const beta = await startMockUpstream(undefined, 'beta');
    cleanups.push(
      () => alpha.close(),
      () => beta.close(),
    );
    const { run, port } = await startCli(alpha, beta, dir);

    const auth = { authorization: `Bearer ${CLIENT_CANARY}` };
    const replies: RawReply[] = [];
    for (let i = 0; i < plan.length; i++) {
      replies.push(await call(port, { path: '/v1/chat/completions', headers: auth, body: chat(`q${i}`) }));
    }
    // A client presenting the upstream key, and one putting its own key in the query string.
    replies.push(await call(port, { path: '/v1/chat/completions', headers: { authorization: `Bearer ${UPSTREAM_CANARY}` }, body: chat() }));
    replies.push(await call(port, { path: `/v1/chat/completions?key=${CLIENT_CANARY}`, body: chat() }));

    expect(replies.map((r) => r.status)).toEqual([400, 404, 400, 400, 400, 400, 200, 200, 200, 200, 401, 401]);
    for (const i of [0, 1, 2, 4, 5]) expect(replies[i]!.json()).toMatchObject({ error: { code: 'upstream_error_withheld' } });
    expect(replies[3]!.json()).toEqual({ error: { message: 'max_tokens is too large', type: 'invalid_request_error' } });
    expect(alpha.requests).toHaveLength(plan.length);
    expect(alpha.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${UPSTREAM_CANARY}`);
    for (const request of alpha.requests) {
      expect(request.headers['x-gateway-token']).toBe(HEADER_CANARY);
      expect(request.path).toBe(`/v1/chat/completions?sig=${QUERY_CANARY}`);
    }
    for (const reply of replies) {
      const whole = JSON.stringify(reply.headers) + reply.text;
      for (const canary of CANARIES) expect(whole).not.toContain(canary);
      expect(whole).not.toContain('10.1.2.3');
      expect(whole).not.toContain('server.js:42');
      expect(reply.headers.location).toBeUndefined();
    }

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const logs = `${run.stdout()}\n${run.stderr()}`;
    expect(logs.split('\n').filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(replies.length);
    expect(logs).toContain('upstream error body withheld');
    const stored = filesUnder(dir).filter((f) => !f.endsWith('fusebox.yaml'));
    expect(stored.some((f) => f.endsWith('events.ndjson'))).toBe(true);
    for (const [where, text] of [['logs', logs], ...stored.map((f) => [f, readFileSync(f, 'latin1')])] as [string, string][]) {
      for (const canary of CANARIES) expect(text.includes(canary), `${where} holds ${canary}`).toBe(false);
    }
  });
});
