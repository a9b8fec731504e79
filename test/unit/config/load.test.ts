import { describe, expect, it } from 'vitest';
import { formatPath, parseConfigText } from '../../../src/config/load.js';
import { configProblems } from '../../helpers/config.js';

const minimal = `
backends:
  - id: a
    baseUrls: [http://127.0.0.1:9000/v1]
    credentials: [{ id: k, apiKey: "\${KEY}" }]
`;

function problems(text: string, env: Record<string, string> = {}): string[] {
  return configProblems(() => parseConfigText(text, env));
}

describe('config loading', () => {
  it('fills every default and interpolates the environment', () => {
    const config = parseConfigText(minimal, { KEY: 'sk-1' });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8765 });
    expect(config.routing.maxAttempts).toBe(4);
    const backend = config.backends[0]!;
    expect(backend).toMatchObject({ kind: 'openai', priority: 0, models: ['*'] });
    expect(backend.credentials[0]?.apiKey).toBe('sk-1');
    expect(backend.breaker).toEqual({ failureThreshold: 5, recoveryMs: 300_000, halfOpenProbes: 1 });
    expect(backend.timeouts).toMatchObject({ firstChunkMs: 15_000 });
  });

  it('returns a deep-frozen object', () => {
    const config = parseConfigText(minimal, { KEY: 'x' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.backends[0]!.baseUrls)).toBe(true);
  });

  it('uses ${VAR:-default} and turns a whole numeric placeholder into a number', () => {
    const config = parseConfigText(`server: { port: "\${PORT:-9123}" }\n${minimal}`, { KEY: 'x' });
    expect(config.server.port).toBe(9123);
  });

  it('names the path of each bad field', () => {
    const found = problems(
      `backends:
  - id: a
    baseUrls: [http://ok/v1]
    credentials: [{ apiKey: k }]
  - id: b
    baseUrls: [ftp://mirror/v1]
    credentials: [{ apiKey: k }]
    breaker: { failureThreshold: 0 }
`,
    );
    expect(found).toContain('backends[1].baseUrls[0]: expected an http(s) URL without user:password');
    expect(found.some((p) => p.startsWith('backends[1].breaker.failureThreshold:'))).toBe(true);
  });

  it('reports an unset variable, unknown keys, duplicate ids and URLs with credentials', () => {
    expect(problems(minimal)).toEqual(['backends[0].credentials[0].apiKey: environment variable KEY is not set']);
    const found = problems(
      `sever: {}
backends:
  - { id: a, baseUrls: ["http://u:p@host/v1"], credentials: [{ apiKey: k }] }
  - { id: a, baseUrls: ["http://host/v1"], credentials: [{ apiKey: k }] }
`,
    );
    expect(found.some((p) => p.includes('sever'))).toBe(true);
    expect(found).toContain('backends[0].baseUrls[0]: expected an http(s) URL without user:password');
    expect(found).toContain('backends[1].id: duplicate backend id "a"');
  });

  it('rejects CR/LF in a credential value and an empty backend list', () => {
    expect(problems(minimal, { KEY: 'sk\r\nx-evil: 1' })).toEqual(['backends[0].credentials[0].apiKey: must not contain CR or LF']);
    expect(problems('backends: []')).toEqual(['backends: at least one backend is required']);
  });

  it('reports YAML syntax errors', () => {
    expect(problems('backends: [')[0]).toMatch(/^YAML: /);
  });

  it('formats paths the way the docs show them', () => {
    expect(formatPath(['backends', 1, 'baseUrls', 0])).toBe('backends[1].baseUrls[0]');
    expect(formatPath([])).toBe('(root)');
  });
});
