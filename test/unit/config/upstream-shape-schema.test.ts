import { describe, expect, it } from 'vitest';
import { parseConfig, parseConfigText } from '../../../src/config/load.js';
import { configSecrets } from '../../../src/shared/secret-scrub.js';
import { configProblems } from '../../helpers/config.js';

const base = { id: 'b', baseUrls: ['https://up.example/v1'], credentials: [{ apiKey: 'sk-b-secret-0001' }] };

function backendOf(backend: Record<string, unknown>) {
  return parseConfig({ backends: [{ ...base, ...backend }] }).backends[0]!;
}

describe('backend auth, query and headers', () => {
  it('defaults to the kind’s own auth, no query and no extra headers', () => {
    const backend = backendOf({});
    expect(backend.auth).toBeUndefined();
    expect(backend.query).toEqual({});
    expect(backend.headers).toEqual({});
  });

  it('takes an auth header (lower-cased) with an empty prefix by default', () => {
    expect(backendOf({ auth: { header: 'API-Key' } }).auth).toEqual({ header: 'api-key', prefix: '' });
    expect(backendOf({ auth: { header: 'authorization', prefix: 'Token ' } }).auth).toEqual({ header: 'authorization', prefix: 'Token ' });
  });

  it('gives a keyless backend one credential of its own and refuses credentials beside `auth: none`', () => {
    const backend = parseConfig({ backends: [{ id: 'local', baseUrls: ['http://127.0.0.1:11434/v1'], auth: 'none' }] }).backends[0]!;
    expect(backend.credentials).toEqual([{ id: 'keyless', apiKey: '' }]);
    expect(configProblems(() => parseConfig({ backends: [{ ...base, auth: 'none' }] }))).toEqual([
      'backends[0].credentials: a backend with `auth: none` sends no credential: remove its credentials',
    ]);
    expect(configProblems(() => parseConfig({ backends: [{ id: 'b', baseUrls: ['https://up.example/v1'] }] }))).toEqual([
      'backends[0].credentials: at least one credential is required (or `auth: none`)',
    ]);
  });

  it('takes numbers as text', () => {
    expect(backendOf({ query: { v: 2 }, headers: { 'x-tier': { secret: 7 } } })).toMatchObject({
      query: { v: { value: '2', secret: false } },
      headers: { 'x-tier': { value: '7', secret: true } },
    });
  });

  it('marks header and query values written with ${ENV} as secrets, and only those', () => {
    const config = parseConfigText(
      [
        'backends:',
        '  - id: b',
        '    baseUrls: [https://up.example/v1]',
        '    credentials: [{ apiKey: sk-b-secret-0001 }]',
        '    query: { api-version: 2024-10-21, token: "${QUERY_TOKEN}" }',
        '    headers: { HTTP-Referer: https://app.example, cf-aig-authorization: "Bearer ${GATEWAY_TOKEN}", x-literal: { secret: literal-secret-value } }',
      ].join('\n'),
      { QUERY_TOKEN: 'query-token-0001', GATEWAY_TOKEN: 'gateway-token-0001' },
    );
    const backend = config.backends[0]!;
    expect(backend.query).toEqual({ 'api-version': { value: '2024-10-21', secret: false }, token: { value: 'query-token-0001', secret: true } });
    expect(backend.headers).toEqual({
      'http-referer': { value: 'https://app.example', secret: false },
      'cf-aig-authorization': { value: 'Bearer gateway-token-0001', secret: true },
      'x-literal': { value: 'literal-secret-value', secret: true },
    });
    const secrets = configSecrets(config);
    expect(secrets).toEqual(expect.arrayContaining(['query-token-0001', 'Bearer gateway-token-0001', 'literal-secret-value']));
    expect(secrets).not.toContain('2024-10-21');
    expect(secrets).not.toContain('https://app.example');
  });

  it('refuses the auth header, headers fusebox sets, line breaks and a {model} outside the path', () => {
    const problems = (backend: Record<string, unknown>) => configProblems(() => backendOf(backend));
    expect(problems({ headers: { authorization: 'Bearer x' } })).toEqual([
      'backends[0].headers.authorization: this is the auth header: the credential goes there',
    ]);
    expect(problems({ auth: { header: 'api-key' }, headers: { 'Api-Key': 'x' } })).toEqual([
      'backends[0].headers.api-key: this is the auth header: the credential goes there',
    ]);
    expect(problems({ auth: 'none', credentials: [], headers: { authorization: 'Bearer x' } })).toEqual([]);
    expect(problems({ headers: { 'Content-Length': '3' } })).toEqual(['backends[0].headers.Content-Length: fusebox sets this header itself']);
    expect(problems({ headers: { 'x-a': 'one\ntwo' } })).toHaveLength(1);
    expect(problems({ auth: { header: 'Host' } })).toEqual(['backends[0].auth.header: fusebox sets this header itself']);
    expect(problems({ query: { 'a&b': 'x' } })).toEqual(['backends[0].query.a&b: expected a query parameter name']);
    expect(problems({ baseUrls: ['https://{model}.example/v1'] })).toEqual(['backends[0].baseUrls[0]: {model} may stand only in the path']);
    expect(problems({ baseUrls: ['https://up.example/v1?api-version=1'] })).toEqual([
      'backends[0].baseUrls[0]: a BaseURL has no query or fragment: put query parameters in `query`',
    ]);
  });

  it('needs a model name for {model} when the backend is probed', () => {
    const azure = { baseUrls: ['https://r.example/openai/deployments/{model}'], recovery: {} };
    expect(configProblems(() => backendOf(azure))).toEqual([
      'backends[0].baseUrls[0]: probes need a model for {model}: name one in models (not a glob) or in recovery.probe.model',
    ]);
    expect(configProblems(() => backendOf({ ...azure, models: ['gpt-4o*', 'gpt-4o'] }))).toEqual([]);
    expect(configProblems(() => backendOf({ ...azure, recovery: { probe: { model: 'gpt-4o' } } }))).toEqual([]);
    expect(configProblems(() => backendOf({ baseUrls: azure.baseUrls }))).toEqual([]);
  });
});
