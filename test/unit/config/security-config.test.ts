import { describe, expect, it } from 'vitest';
import { parseConfig, parseConfigText } from '../../../src/config/load.js';
import { configProblems } from '../../helpers/config.js';

const backend = { id: 'a', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'k-12345678' }] };

function problemsOf(raw: unknown, env: Record<string, string> = {}): string[] {
  return configProblems(() => parseConfig(raw, env));
}

describe('security-relevant config validation', () => {
  it('has safe defaults: loopback, no keys, no CORS origins, slow-loris timeouts, response cap', () => {
    const config = parseConfig({ backends: [backend] });
    expect(config.server).toMatchObject({
      host: '127.0.0.1',
      apiKeys: [],
      cors: { origins: [] },
      allowedHosts: [],
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 300_000,
      maxResponseBytes: 64 * 1024 * 1024,
    });
  });

  it('rejects CR/LF (header injection) in credentials and client keys, naming the field', () => {
    expect(problemsOf({ backends: [{ ...backend, credentials: [{ apiKey: 'sk-1\r\nX-Evil: 1' }] }] })).toEqual([
      'backends[0].credentials[0].apiKey: must not contain CR or LF',
    ]);
    expect(problemsOf({ server: { apiKeys: ['${KEY}'] }, backends: [backend] }, { KEY: 'abcdefgh\nX-Evil: 1' })[0]).toMatch(
      /^server\.apiKeys\[0\]: expected 8-512 visible ASCII/,
    );
  });

  it('rejects CR/LF reaching a credential through YAML escapes', () => {
    const yaml = `backends:\n  - id: a\n    baseUrls: ["http://127.0.0.1:1/v1"]\n    credentials:\n      - apiKey: "sk-abc\\r\\nHost: evil"\n`;
    expect(() => parseConfigText(yaml)).toThrow(/backends\[0\]\.credentials\[0\]\.apiKey: must not contain CR or LF/);
  });

  it('rejects short client keys, non-http(s) and user:password base URLs, and origins with paths or *', () => {
    expect(problemsOf({ server: { apiKeys: ['short'] }, backends: [backend] })[0]).toMatch(/^server\.apiKeys\[0\]/);
    expect(problemsOf({ backends: [{ ...backend, baseUrls: ['file:///etc/passwd'] }] })[0]).toMatch(/^backends\[0\]\.baseUrls\[0\]/);
    expect(problemsOf({ backends: [{ ...backend, baseUrls: ['https://u:p@api.example/v1'] }] })[0]).toMatch(/^backends\[0\]\.baseUrls\[0\]/);
    expect(problemsOf({ server: { cors: { origins: ['*'] } }, backends: [backend] })[0]).toMatch(/^server\.cors\.origins\[0\]/);
    expect(problemsOf({ server: { cors: { origins: ['http://a.example/path'] } }, backends: [backend] })[0]).toMatch(/^server\.cors\.origins\[0\]/);
  });

  it('requires the header timeout to be no longer than the request timeout', () => {
    expect(problemsOf({ server: { headersTimeoutMs: 10_000, requestTimeoutMs: 5_000 }, backends: [backend] })).toEqual([
      'server.headersTimeoutMs: must not be longer than server.requestTimeoutMs',
    ]);
  });
  it("refuses an id that is one of the config's secrets: ids are logged as they are", () => {
    const leaky = { id: 'sk-leaky-0001', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ id: 'sk-leaky-0001', apiKey: 'sk-leaky-0001' }] };
    expect(problemsOf({ backends: [leaky] })).toEqual([
      "backends[0].id: an id must not be one of the config's secrets (ids are logged as they are)",
      "backends[0].credentials[0].id: an id must not be one of the config's secrets (ids are logged as they are)",
    ]);
    expect(problemsOf({ server: { apiKeys: [{ id: 'client-key-1', key: 'client-key-1' }] }, backends: [backend] })).toEqual([
      "server.apiKeys[0].id: an id must not be one of the config's secrets (ids are logged as they are)",
    ]);
  });
});
