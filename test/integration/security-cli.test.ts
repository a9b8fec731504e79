import { afterEach, describe, expect, it } from 'vitest';
import { cliSession, waitFor } from '../helpers/cli.js';

/** What `fusebox start` refuses before it listens: exposed addresses without keys, header injection. */
describe('security: the command line refuses unsafe configs', () => {
  const { configFile, cli, cleanup } = cliSession('fusebox-sec-cli-');
  afterEach(cleanup);

  const backend = 'backends:\n  - { id: a, baseUrls: ["http://127.0.0.1:9/v1"], credentials: [{ apiKey: sk-test-12345678 }] }\n';

  it('refuses to listen on 0.0.0.0 without client keys, from the config or --host', async () => {
    const fromConfig = cli(['start', '--config', configFile(`server: { host: 0.0.0.0, port: 0 }\n${backend}`)]);
    expect(await fromConfig.exited).toBe(2);
    expect(fromConfig.stderr()).toContain('refusing to listen on 0.0.0.0');
    expect(fromConfig.stderr()).toContain('server.apiKeys');
    const fromFlag = cli(['start', '--config', configFile(`server: { port: 0 }\n${backend}`), '--host', '0.0.0.0']);
    expect(await fromFlag.exited).toBe(2);
    expect(fromFlag.stderr()).toContain('refusing to listen on 0.0.0.0');
  });

  it('listens beyond loopback with client keys, and says so in a warning line', async () => {
    const file = configFile(`server: { host: 0.0.0.0, port: 0, apiKeys: ["\${FBX_KEY}"] }\n${backend}`);
    const run = cli(['start', '--config', file], { FBX_KEY: 'fbx-client-key-cli-0001' });
    const out = await waitFor(run.stdout, (text) => text.includes('listening on'), run);
    const warning = out.split('\n').find((line) => line.includes('beyond loopback'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, host: '0.0.0.0' });
    expect(out).not.toContain('fbx-client-key-cli-0001');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('refuses CR/LF in a credential (header injection), naming the field, with exit 2', async () => {
    const injected = 'backends:\n  - { id: a, baseUrls: ["http://127.0.0.1:9/v1"], credentials: [{ apiKey: "sk-x\\r\\nX-Injected: 1" }] }\n';
    const run = cli(['start', '--config', configFile(`server: { port: 0 }\n${injected}`)]);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('backends[0].credentials[0].apiKey: must not contain CR or LF');
    const fromEnv = cli(['start', '--config', configFile(`server: { port: 0, apiKeys: ["\${FBX_KEY}"] }\n${backend}`)], {
      FBX_KEY: 'fbx-client\r\nX-Injected: 1',
    });
    expect(await fromEnv.exited).toBe(2);
    expect(fromEnv.stderr()).toContain('server.apiKeys[0]');
    expect(fromEnv.stderr()).not.toContain('X-Injected');
  });
});
