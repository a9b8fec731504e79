import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, parseConfigText } from '../../../src/config/load.js';

const input = {
  server: { port: 8765, apiKeys: ['${CLIENT_KEY}'] },
  backends: [
    {
      id: 'primary',
      baseUrls: ['https://api.example.com/v1'],
      credentials: Array.from({ length: 3 }, (_, i) => ({ id: `k${i}`, apiKey: `sk-json-config-${i}-0123456789` })),
    },
  ],
};
const env = { CLIENT_KEY: 'client-key-json-0001' };

describe('a config file that is JSON', () => {
  it('is the same config as its YAML spelling, interpolation included', () => {
    const fromJson = parseConfigText(JSON.stringify(input, null, 1), env);
    expect(fromJson).toEqual(parseConfigText(stringify(input), env));
    expect(fromJson.server.apiKeys).toEqual([env.CLIENT_KEY]);
    expect(fromJson.backends[0]!.credentials).toHaveLength(3);
  });

  it('is validated as any config: a bad field is named by its path', () => {
    const bad = { ...input, backends: [{ ...input.backends[0], baseUrls: ['not a url'] }] };
    expect(() => parseConfigText(JSON.stringify(bad), env)).toThrow(/backends\[0\]\.baseUrls\[0\]/);
  });

  it('when broken, is reported by the YAML parser with its line and column', () => {
    const broken = '{\n "server": { "port": 8765 },\n "backends": [ { "id": "a", ]\n}';
    const error = (() => {
      try {
        parseConfigText(broken, env);
        return null;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^YAML: .* at line \d+, column \d+/);
  });
});
