import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { GatewayDeps } from '../../src/app/gateway.js';
import { credentialOf } from '../../src/machines/breaker.js';
import { ADMIN_TOKEN, admin, type ActorJson } from '../helpers/admin.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { steppingClock } from '../helpers/stepping-clock.js';
import { issued, startTokenEndpoint, type TokenEndpoint } from '../helpers/token-endpoint.js';
import { startMockUpstream, type MockUpstream, type RecordedRequest } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

/**
 * OAuth2 refresh-token credentials (issue 16): a scripted token endpoint issues access tokens,
 * a scripted upstream accepts only the ones it is told are valid, the real openai SDK asks.
 */
const ask = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hi' }] };
const WAIT_MS = 4321;

describe('OAuth2 refresh-token credentials', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function endpoint(script?: TokenEndpoint['script']): Promise<TokenEndpoint> {
    const token = await startTokenEndpoint(script);
    cleanups.push(() => token.close());
    return token;
  }

  /** An upstream that answers only requests bearing one of `valid` (a 401 otherwise). */
  async function upstream(name: string, valid: Set<string>): Promise<MockUpstream> {
    const mock = await startMockUpstream((request) => {
      const auth = String(request.headers.authorization);
      return valid.has(auth.replace(/^Bearer /, ''))
        ? { kind: 'ok' }
        : { kind: 'status', status: 401, body: { error: { message: 'invalid access token', type: 'invalid_request_error' } } };
    }, name);
    cleanups.push(() => mock.close());
    return mock;
  }

  function oauthCredential(token: TokenEndpoint, id = 'acct', refreshToken = 'rt-1') {
    return { id, oauth: { tokenUrl: token.url, clientId: 'fusebox-client', clientSecret: 'cs-secret-1', refreshToken, scope: 'models' } };
  }

  async function gateway(backends: ConfigInput['backends'], deps: GatewayDeps = {}): Promise<{ gw: TestGateway; client: OpenAI }> {
    const gw = await startTestGateway({ server: { adminToken: ADMIN_TOKEN }, backends }, { tokenTiming: { firstTokenWaitMs: WAIT_MS }, ...deps });
    cleanups.push(() => gw.close());
    return { gw, client: new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 }) };
  }

  const bearers = (requests: readonly RecordedRequest[]) => requests.map((r) => r.headers.authorization);

  it('exchanges the refresh token once at start, and sends the access token as the Bearer', async () => {
    const token = await endpoint();
    const up = await upstream('up', new Set(['at-1']));
    const { client } = await gateway([{ id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token)] }]);
    const reply = await client.chat.completions.create(ask);
    expect(reply.choices[0]?.message.content).toBe('hello from up');
    await client.chat.completions.create(ask);
    expect(token.exchanges).toHaveLength(1);
    expect(Object.fromEntries(token.exchanges[0]!)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      client_id: 'fusebox-client',
      client_secret: 'cs-secret-1',
      scope: 'models',
    });
    expect(bearers(up.requests)).toEqual(['Bearer at-1', 'Bearer at-1']);
  });

  it('lets 20 concurrent requests wait on one first exchange', async () => {
    const token = await endpoint();
    token.hold();
    const up = await upstream('up', new Set(['at-1']));
    const time = steppingClock();
    const { client } = await gateway([{ id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token)] }], { clock: time.clock });
    const replies = Array.from({ length: 20 }, () => client.chat.completions.create(ask));
    await until(() => time.pending().filter((ms) => ms === WAIT_MS).length === 20, '20 requests waiting for the token');
    token.release();
    const answered = await Promise.all(replies);
    expect(answered.map((r) => r.choices[0]?.message.content)).toEqual(Array(20).fill('hello from up'));
    expect(token.exchanges).toHaveLength(1);
    expect(new Set(bearers(up.requests))).toEqual(new Set(['Bearer at-1']));
  });

  it('routes to other credentials and backends while a credential waits for its first token', async () => {
    const token = await endpoint();
    token.hold();
    const up = await upstream('up', new Set(['at-1', 'at-2', 'sk-plain-key']));
    const other = await upstream('other', new Set(['sk-other-key']));
    // the same pool: the key serves at once, nobody waits for the token
    const samePool = await gateway([
      { id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token), { id: 'plain', apiKey: 'sk-plain-key' }] },
    ]);
    for (let i = 0; i < 6; i++) await samePool.client.chat.completions.create(ask);
    expect(bearers(up.requests)).toEqual(Array(6).fill('Bearer sk-plain-key'));
    // another backend, even one of lower priority, serves while the first one's only credential waits
    const time = steppingClock();
    const { gw, client } = await gateway(
      [
        { id: 'b', baseUrls: [up.baseUrl], credentials: [oauthCredential(token, 'acct-b', 'rt-b')] },
        { id: 'c', priority: 1, baseUrls: [other.baseUrl], credentials: [{ id: 'other', apiKey: 'sk-other-key' }] },
      ],
      { clock: time.clock },
    );
    for (let i = 0; i < 3; i++) expect((await client.chat.completions.create(ask)).choices[0]?.message.content).toBe('hello from other');
    // no request tried a credential without a token: one attempt each
    const attempts = [samePool.gw, gw].flatMap((g) =>
      g.logs.filter((line) => line.msg === 'request').map((line) => (line.attempts as unknown[]).length),
    );
    expect(attempts).toEqual(Array(9).fill(1));
    token.release();
    await until(() => time.pending().includes(3_540_000), "backend b's token arrived (its refresh is scheduled)");
    expect((await client.chat.completions.create(ask)).choices[0]?.message.content).toBe('hello from up');
    expect(token.exchanges.map((form) => form.get('refresh_token')).sort()).toEqual(['rt-1', 'rt-b']);
  });

  it('lets 20 concurrent requests wait on one refresh of an expired token', async () => {
    const token = await endpoint();
    const up = await upstream('up', new Set(['at-1', 'at-2']));
    const time = steppingClock();
    const { client } = await gateway([{ id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token)] }], {
      clock: time.clock,
      tokenTiming: { firstTokenWaitMs: WAIT_MS, exchangeTimeoutMs: 100_000_000 },
    });
    await client.chat.completions.create(ask);
    token.hold();
    time.advance(3_540_000);
    await until(() => token.exchanges.length === 2, 'the refresh in flight');
    // the refresh is slow: at-1 expires meanwhile
    time.advance(60_000);
    const replies = Array.from({ length: 20 }, () => client.chat.completions.create(ask));
    await until(() => time.pending().filter((ms) => ms === WAIT_MS).length === 20, '20 requests waiting for the refresh');
    token.release();
    expect((await Promise.all(replies)).map((r) => r.choices[0]?.message.content)).toEqual(Array(20).fill('hello from up'));
    expect(token.exchanges).toHaveLength(2);
    expect(bearers(up.requests.slice(1))).toEqual(Array(20).fill('Bearer at-2'));
  });

  it('refreshes before expiry with the rotated refresh token, and uses the new access token', async () => {
    const token = await endpoint((index) => issued(index, { refresh_token: `rt-${index + 2}` }));
    const valid = new Set(['at-1']);
    const up = await upstream('up', valid);
    const time = steppingClock();
    const { client } = await gateway([{ id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token)] }], { clock: time.clock });
    await client.chat.completions.create(ask);
    // one hour tokens are refreshed a minute before they expire
    time.advance(3_540_000);
    await until(() => token.exchanges.length === 2, 'the refresh');
    valid.add('at-2');
    expect(token.exchanges[1]!.get('refresh_token')).toBe('rt-2');
    // at-1 is still valid for a minute; the gateway has moved on once it has scheduled the next refresh
    await until(() => time.pending().includes(3_540_000), 'the next refresh scheduled');
    await client.chat.completions.create(ask);
    expect(bearers(up.requests)).toEqual(['Bearer at-1', 'Bearer at-2']);
    time.advance(3_540_000);
    await until(() => token.exchanges.length === 3, 'the second refresh');
    expect(token.exchanges[2]!.get('refresh_token')).toBe('rt-3');
  });

  it('refreshes a credential that is cooling down, so it comes back with a fresh token', async () => {
    const token = await endpoint();
    const valid = new Set(['at-1']);
    const up = await upstream('up', valid);
    const time = steppingClock();
    const { gw, client } = await gateway([{ id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token)] }], { clock: time.clock });
    await client.chat.completions.create(ask);
    // a 429 asking for two hours' rest
    const checking = up.script;
    up.script = () => ({ kind: 'status', status: 429, headers: { 'retry-after': '7200' }, body: { error: { message: 'slow down' } } });
    await expect(client.chat.completions.create(ask)).rejects.toThrow();
    const cooling = () => gw.gateway.actors.view('pool:a:default').context;
    expect(credentialOf(cooling(), 'acct')?.cooldownUntil).toBeGreaterThan(time.clock.now() + 3_600_000);
    time.advance(3_540_000);
    await until(() => token.exchanges.length === 2, 'the refresh during the cooldown');
    await until(() => time.pending().includes(3_540_000), 'the refreshed token in place');
    time.advance(3_540_000);
    await until(() => token.exchanges.length === 3, 'the next refresh, still cooling down');
    await until(() => time.pending().includes(3_540_000), 'the token of the third exchange in place');
    // at-1 and at-2 have expired; back from its rest the credential sends at-3
    time.advance(200_000);
    valid.clear();
    valid.add('at-3');
    up.script = checking;
    expect((await client.chat.completions.create(ask)).choices[0]?.message.content).toBe('hello from up');
    expect(bearers(up.requests).at(-1)).toBe('Bearer at-3');
  });

  it('refreshes once when the upstream refuses the access token, for 20 concurrent requests, and blames nothing', async () => {
    const token = await endpoint();
    const valid = new Set(['at-1']);
    const up = await upstream('up', valid);
    const { gw, client } = await gateway([{ id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token)] }]);
    await client.chat.completions.create(ask);
    // the upstream revokes at-1 and will take at-2
    valid.clear();
    valid.add('at-2');
    const answered = await Promise.all(Array.from({ length: 20 }, () => client.chat.completions.create(ask)));
    expect(answered.map((r) => r.choices[0]?.message.content)).toEqual(Array(20).fill('hello from up'));
    expect(token.exchanges).toHaveLength(2);
    const { json } = await admin<{ actors: ActorJson[] }>(gw.url, '/admin/actors');
    const pool = json.actors.find((actor) => actor.id === 'pool:a:default')!;
    expect(pool.credentials).toEqual([expect.objectContaining({ id: 'acct', usable: true, disabled: null })]);
  });

  it('retries a transient failure of the token endpoint with backoff', async () => {
    const token = await endpoint((index) => (index < 2 ? { status: 503, body: { error: 'temporarily_unavailable' } } : issued(index)));
    const up = await upstream('up', new Set(['at-3']));
    const time = steppingClock();
    const { gw, client } = await gateway([{ id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token)] }], {
      clock: time.clock,
      tokenTiming: { retryMs: 1000, firstTokenWaitMs: WAIT_MS },
    });
    await until(() => time.pending().includes(1000), 'the first retry scheduled');
    time.advance(1000);
    await until(() => time.pending().includes(2000), 'the second retry scheduled, twice as far');
    time.advance(2000);
    await until(() => token.exchanges.length === 3, 'the third exchange');
    const reply = await client.chat.completions.create(ask);
    expect(reply.choices[0]?.message.content).toBe('hello from up');
    const retries = gw.logs.filter((line) => line.msg === 'OAuth token refresh failed; retrying');
    expect(retries.map((line) => [line.credential, line.reason, line.failures])).toEqual([
      ['acct', 'http_503', 1],
      ['acct', 'http_503', 2],
    ]);
  });

  it('disables the credential when the refresh token is refused for good; the other key serves', async () => {
    const token = await endpoint(() => ({ status: 400, body: { error: 'invalid_grant', error_description: 'refresh token revoked' } }));
    const up = await upstream('up', new Set(['sk-plain-key']));
    const { gw, client } = await gateway([
      { id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token), { id: 'plain', apiKey: 'sk-plain-key' }] },
    ]);
    const poolOf = async () => {
      const reply = await admin<{ actors: ActorJson[] }>(gw.url, '/admin/actors');
      return { text: reply.text, pool: reply.json.actors.find((actor) => actor.id === 'pool:a:default')! };
    };
    await until(() => gw.logs.some((line) => line.credential === 'acct' && line.level === 50), 'the refusal logged');
    const { pool, text } = await poolOf();
    expect(pool.credentials.find((c) => c.id === 'acct')).toMatchObject({ usable: false, disabled: 'oauth_invalid_grant' });
    for (const secret of ['rt-1', 'cs-secret-1']) expect(text).not.toContain(secret);
    for (let i = 0; i < 5; i++) expect((await client.chat.completions.create(ask)).choices[0]?.message.content).toBe('hello from up');
    expect(bearers(up.requests)).toEqual(Array(5).fill('Bearer sk-plain-key'));
    expect(token.exchanges).toHaveLength(1);
    const refusals = gw.logs.filter((line) => line.credential === 'acct' && line.level === 50);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ backend: 'a', error: 'invalid_grant' });
  });

  it('tries a refused credential again at its re-check time, and serves with it once the endpoint issues a token', async () => {
    const token = await endpoint((index) => (index === 0 ? { status: 401, body: { error: 'invalid_client' } } : issued(index)));
    const up = await upstream('up', new Set(['at-2']));
    const time = steppingClock();
    const { gw, client } = await gateway([{ id: 'a', baseUrls: [up.baseUrl], credentials: [oauthCredential(token)] }], { clock: time.clock });
    const acct = () => credentialOf(gw.gateway.actors.view('pool:a:default').context, 'acct');
    await until(() => acct()?.disabled === 'oauth_invalid_client', 'the credential disabled');
    await expect(client.chat.completions.create(ask)).rejects.toThrow();
    expect([token.exchanges.length, up.requests.length]).toEqual([1, 0]);
    // the default re-check comes after 10 minutes; that request exchanges again, and is served
    time.advance(600_000);
    expect((await client.chat.completions.create(ask)).choices[0]?.message.content).toBe('hello from up');
    expect(token.exchanges).toHaveLength(2);
    expect(acct()?.disabled).toBeNull();
  });
});
