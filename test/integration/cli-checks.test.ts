import { afterEach, describe, expect, it } from 'vitest';
import { cliSession, waitFor } from '../helpers/cli.js';

/** check-config refuses what start refuses; state needs no secrets; usage and YAML errors are one clear message. */
describe('the fusebox command line checks', () => {
  const { configFile, cli, cleanup } = cliSession('fusebox-cli-checks-');
  afterEach(cleanup);

  const backend = 'backends:\n  - { id: a, baseUrls: [http://127.0.0.1:1/v1], credentials: [{apiKey: k}] }\n';

  it('check-config refuses a non-loopback host without client keys, as start does', async () => {
    const open = configFile(`server: { host: 0.0.0.0 }\n${backend}`);
    const check = cli(['check-config', '--config', open]);
    expect(await check.exited).toBe(2);
    expect(check.stderr()).toContain('refusing to listen on 0.0.0.0');
    const start = cli(['start', '--config', open]);
    expect(await start.exited).toBe(2);
    expect(start.stderr()).toContain('refusing to listen on 0.0.0.0');
    const viaFlag = cli(['check-config', '--config', configFile(backend), '--host', '0.0.0.0']);
    expect(await viaFlag.exited).toBe(2);
    expect(viaFlag.stderr()).toContain('refusing to listen on 0.0.0.0');
    const keyed = cli(['check-config', '--config', configFile(`server: { host: 0.0.0.0, apiKeys: [client-key-0123456789] }\n${backend}`)]);
    expect(await keyed.exited).toBe(0);
    expect(keyed.stdout()).toContain('listens on 0.0.0.0:');
  });

  it('check-config refuses a bad --port, as start does', async () => {
    const run = cli(['check-config', '--config', configFile(backend), '--port', 'eighty']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('--port: expected a port number');
  });

  it('state reads the data directory without the secrets the config interpolates', async () => {
    const file = configFile(
      'server: { port: 0 }\nbackends:\n  - { id: a, baseUrls: [http://127.0.0.1:1/v1], credentials: [{apiKey: "${FUSEBOX_TEST_STATE_KEY}"}] }\n',
    );
    const run = cli(['start', '--config', file], { FUSEBOX_TEST_STATE_KEY: 'sk-state-test' });
    await waitFor(run.stdout, (text) => text.includes('listening on'), run);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const state = cli(['state', '--config', file], { FUSEBOX_TEST_STATE_KEY: '' });
    expect(await state.exited).toBe(0);
    expect(state.stdout()).toContain('backend:a');
    expect(state.stderr()).toBe('');
  });

  it('a bad --log-level is a one-line usage error with exit 2', async () => {
    const run = cli(['start', '--config', configFile(backend), '--log-level', 'loud']);
    expect(await run.exited).toBe(2);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('--log-level');
    expect(lines[0]).toContain('loud');
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });

  it('a YAML syntax error names the line and column and shows the line', async () => {
    const run = cli(['check-config', '--config', configFile('server:\n  port: 1\nbackends:\n  - id: a\n   baseUrls: [x\n')]);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/line 6, column \d+/);
    expect(run.stderr()).toContain('baseUrls: [x');
  });
});
