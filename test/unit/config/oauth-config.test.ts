import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { configSecrets } from '../../../src/shared/secret-scrub.js';
import { configProblems } from '../../helpers/config.js';

const oauth = { tokenUrl: 'https://auth.example.test/oauth/token', clientId: 'fusebox', refreshToken: '${REFRESH}' };
const withCredential = (credential: unknown) => ({ backends: [{ id: 'a', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [credential] }] });
const env = { REFRESH: 'rt-from-the-environment' };

describe('OAuth credentials in the config', () => {
  it('accepts { id, oauth } with secrets from the environment, and counts its secrets with the others', () => {
    const config = parseConfig(withCredential({ id: 'acct', oauth: { ...oauth, clientSecret: 'cs-123456789' } }), env);
    expect(config.backends[0]!.credentials[0]).toEqual({ id: 'acct', oauth: { ...oauth, refreshToken: env.REFRESH, clientSecret: 'cs-123456789' } });
    expect(configSecrets(config)).toEqual(expect.arrayContaining([env.REFRESH, 'cs-123456789']));
  });

  it('takes an all-digit client id as text', () => {
    const config = parseConfig(withCredential({ id: 'acct', oauth: { ...oauth, clientId: '${CLIENT}' } }), { ...env, CLIENT: '123456789012' });
    expect(config.backends[0]!.credentials[0]!.oauth?.clientId).toBe('123456789012');
  });

  it('wants exactly one of apiKey and oauth, and an id with oauth, naming the field', () => {
    expect(configProblems(() => parseConfig(withCredential({ id: 'acct', apiKey: 'sk-1', oauth }), env))).toEqual([
      'backends[0].credentials[0].oauth: expected exactly one of apiKey or oauth',
    ]);
    expect(configProblems(() => parseConfig(withCredential({ id: 'acct' }), env))).toEqual([
      'backends[0].credentials[0].apiKey: expected exactly one of apiKey or oauth',
    ]);
    expect(configProblems(() => parseConfig(withCredential({ oauth }), env))).toEqual([
      'backends[0].credentials[0].id: a credential with oauth needs an id',
    ]);
  });

  it('refuses a token URL that is not http(s) or carries user:password, unknown fields, and CR/LF in its secrets', () => {
    const problems = (fields: Record<string, unknown>) =>
      configProblems(() => parseConfig(withCredential({ id: 'acct', oauth: { ...oauth, ...fields } }), env));
    expect(problems({ tokenUrl: 'ftp://auth.example.test/token' })[0]).toMatch(
      /^backends\[0\]\.credentials\[0\]\.oauth\.tokenUrl: expected an http\(s\) URL/,
    );
    expect(problems({ tokenUrl: 'https://u:p@auth.example.test/token' })[0]).toMatch(/oauth\.tokenUrl/);
    expect(problems({ grantType: 'password' })[0]).toMatch(/^backends\[0\]\.credentials\[0\]\.oauth/);
    expect(problems({ clientSecret: 'cs\r\nX-Evil: 1' })).toEqual(['backends[0].credentials[0].oauth.clientSecret: must not contain CR or LF']);
  });
});
