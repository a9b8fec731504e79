import { describe, expect, it } from 'vitest';
import { exchangeOutcome, formBody } from '../../../../src/http/upstream/oauth-exchange.js';
import { refreshAfterMs, retryAfterMs } from '../../../../src/http/upstream/oauth-timing.js';

describe('a refresh-token exchange', () => {
  const oauth = { tokenUrl: 'https://auth.example.test/token', clientId: 'fusebox', refreshToken: 'rt-1' };

  it('sends the standard form, with client_secret and scope only when configured', () => {
    expect(Object.fromEntries(new URLSearchParams(formBody(oauth, 'rt-2')))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-2',
      client_id: 'fusebox',
    });
    const full = new URLSearchParams(formBody({ ...oauth, clientSecret: 'c s&=', scope: 'a b' }, 'rt-1'));
    expect([full.get('client_secret'), full.get('scope')]).toEqual(['c s&=', 'a b']);
  });

  it('reads a token, its lifetime and a rotated refresh token', () => {
    expect(exchangeOutcome(200, JSON.stringify({ access_token: 'at', expires_in: 120, refresh_token: 'rt-9' }))).toEqual({
      kind: 'token',
      accessToken: 'at',
      lifetimeMs: 120_000,
      refreshToken: 'rt-9',
    });
    expect(exchangeOutcome(200, JSON.stringify({ access_token: 'at', expires_in: '60' }))).toMatchObject({ lifetimeMs: 60_000, refreshToken: null });
    expect(exchangeOutcome(200, JSON.stringify({ access_token: 'at', expires_in: -5 }))).toMatchObject({ lifetimeMs: null });
  });

  it('calls a refusal of the grant or the client permanent, and anything else transient', () => {
    for (const error of ['invalid_grant', 'invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']) {
      expect(exchangeOutcome(400, JSON.stringify({ error }))).toEqual({ kind: 'permanent', error });
    }
    expect(exchangeOutcome(401, JSON.stringify({ error: 'invalid_client' }))).toEqual({ kind: 'permanent', error: 'invalid_client' });
    expect(exchangeOutcome(503, JSON.stringify({ error: 'invalid_grant' }))).toEqual({ kind: 'transient', reason: 'http_503' });
    expect(exchangeOutcome(429, '')).toEqual({ kind: 'transient', reason: 'http_429' });
    expect(exchangeOutcome(400, JSON.stringify({ error: 'invalid_request' }))).toEqual({ kind: 'transient', reason: 'http_400' });
    expect(exchangeOutcome(200, '<html>')).toEqual({ kind: 'transient', reason: 'answer without an access_token' });
    expect(exchangeOutcome(200, JSON.stringify({ access_token: 'a\r\nX-Evil: 1' }))).toMatchObject({ kind: 'transient' });
  });
});

describe('token timing', () => {
  it('refreshes a margin before expiry, but never later than halfway through a short life', () => {
    expect(refreshAfterMs(3_600_000, 60_000)).toBe(3_540_000);
    expect(refreshAfterMs(90_000, 60_000)).toBe(45_000);
    expect(refreshAfterMs(0, 60_000)).toBe(0);
  });

  it('backs off transient failures by doubling, up to the cap', () => {
    const timing = { retryMs: 1000, maxRetryMs: 60_000 };
    expect([1, 2, 3, 4, 7, 8, 100].map((failures) => retryAfterMs(failures, timing))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
  });
});
