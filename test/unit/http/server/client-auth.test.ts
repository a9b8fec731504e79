import { describe, expect, it } from 'vitest';
import { authFailureMessage, createClientAuth, presentedKeys } from '../../../../src/http/server/client-auth.js';
import { clientKeyEntries } from '../../../../src/config/client-keys-schema.js';

const url = (path = '/v1/chat/completions') => new URL(path, 'http://fusebox.local');
const KEY = 'fbx-client-key-0001';
const OTHER = 'fbx-client-key-0002';

describe('client authentication', () => {
  const auth = createClientAuth(clientKeyEntries([KEY, { id: 'other', key: OTHER }]));

  it('lets everything through when no keys are configured', () => {
    const open = createClientAuth([]);
    expect(open.enabled).toBe(false);
    expect(open.check({}, url())).toEqual({ ok: true });
  });

  it('accepts a configured key from Authorization: Bearer, x-api-key and x-goog-api-key', () => {
    expect(auth.enabled).toBe(true);
    expect(auth.check({ authorization: `Bearer ${KEY}` }, url())).toEqual({ ok: true, keyId: 'key-1' });
    expect(auth.check({ authorization: `bearer ${OTHER}` }, url())).toEqual({ ok: true, keyId: 'other' });
    expect(auth.check({ 'x-api-key': KEY }, url())).toEqual({ ok: true, keyId: 'key-1' });
    expect(auth.check({ 'x-goog-api-key': OTHER }, url())).toEqual({ ok: true, keyId: 'other' });
  });

  it('refuses a missing, wrong, truncated or extended key', () => {
    expect(auth.check({}, url())).toEqual({ ok: false, reason: 'missing' });
    expect(auth.check({ authorization: 'Bearer nope-nope-nope' }, url())).toEqual({ ok: false, reason: 'invalid' });
    expect(auth.check({ 'x-api-key': KEY.slice(0, -1) }, url())).toEqual({ ok: false, reason: 'invalid' });
    expect(auth.check({ 'x-api-key': `${KEY}x` }, url())).toEqual({ ok: false, reason: 'invalid' });
    expect(auth.check({ authorization: KEY }, url())).toEqual({ ok: false, reason: 'invalid' });
    expect(auth.check({ authorization: `Basic ${KEY}` }, url())).toEqual({ ok: false, reason: 'invalid' });
  });

  it('never accepts a key from the query string, and says so', () => {
    for (const name of ['key', 'api_key', 'access_token']) {
      expect(auth.check({}, url(`/v1beta/models/x:generateContent?${name}=${KEY}`))).toEqual({ ok: false, reason: 'query_string' });
    }
    expect(authFailureMessage('query_string')).toMatch(/not accepted in the query string/);
  });

  it('collects every presented key and ignores empty headers', () => {
    expect(presentedKeys({ authorization: 'Bearer a-key', 'x-api-key': 'b-key', 'x-goog-api-key': '' })).toEqual(['a-key', 'b-key']);
    expect(presentedKeys({ authorization: 'Token a-key' })).toEqual([null]);
  });

  it('never echoes the presented key in its messages', () => {
    for (const reason of ['missing', 'invalid', 'query_string'] as const) expect(authFailureMessage(reason)).not.toContain(KEY);
  });
});
