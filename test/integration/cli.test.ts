import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMockUpstream } from '../helpers/upstream.js';
import { cliSession, waitFor } from '../helpers/cli.js';

describe('the fusebox command line', () => {
  const { configFile, cli, cleanup } = cliSession('fusebox-cli-');
  afterEach(cleanup);

  it('prints its version and help', async () => {
    const version = cli(['--version']);
    expect(await version.exited).toBe(0);
    expect(version.stdout().trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = cli(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('fusebox start');
  });

  it('check-config names the bad field and exits 2', async () => {
    const file = configFile(
      'backends:\n  - { id: a, baseUrls: [http://x/v1], credentials: [{apiKey: k}] }\n  - { id: b, baseUrls: [not-a-url], credentials: [{apiKey: k}] }\n',
    );
    const run = cli(['check-config', '--config', file]);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('backends[1].baseUrls[0]: expected an http(s) URL');
  });

  it('check-config accepts a good config and reports a missing file', async () => {
    const good = configFile('backends:\n  - { id: a, baseUrls: ["${URL:-http://127.0.0.1:1/v1}"], credentials: [{apiKey: k}] }\n');
    const ok = cli(['check-config', '--config', good]);
    expect(await ok.exited).toBe(0);
    expect(ok.stdout()).toContain('ok (1 backends, 1 credentials');
    const missing = cli(['check-config', '--config', '/nonexistent/fusebox.yaml']);
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toContain('file not found');
  });

  it('start serves requests and exits 0 on SIGTERM after finishing in-flight work', async () => {
    const upstream = await startMockUpstream(() => ({ kind: 'ok', delayMs: 300 }), 'cli');
    try {
      const file = configFile(`server: { port: 0 }\nbackends:\n  - { id: a, baseUrls: ["${upstream.baseUrl}"], credentials: [{apiKey: sk-cli}] }\n`);
      const run = cli(['start', '--config', file, '--log-level', 'info']);
      const out = await waitFor(run.stdout, (text) => /listening on (http:\/\/\S+)/.test(text), run);
      const url = /listening on (http:\/\/\S+?)"/.exec(out)?.[1] ?? /listening on (http:\/\/\S+)/.exec(out)![1]!;
      const client = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 });
      const pending = client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      await vi.waitFor(() => expect(upstream.requests.length).toBeGreaterThan(0), { timeout: 2_000, interval: 10 });
      run.child.kill('SIGTERM');
      const reply = await pending;
      expect(reply.choices[0]?.message.content).toBe('hello from cli');
      expect(await run.exited).toBe(0);
      expect(run.stdout()).not.toContain('sk-cli');
    } finally {
      await upstream.close();
    }
  });

  it('refuses an unknown command with exit 2', async () => {
    const run = cli(['frobnicate']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('unknown command');
  });
});
