import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin.js';
import { filesUnder } from '../helpers/files.js';
import { startTestGateway } from '../helpers/gateway.js';
import { steppingClock } from '../helpers/stepping-clock.js';
import { issued, startTokenEndpoint } from '../helpers/token-endpoint.js';
import { startMockUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

/** OAuth credentials' secrets stay in fusebox's memory; a reload keeps the tokens of unchanged credentials. */
const ask = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hi' }] };
const CONFIGURED_REFRESH = 'rt-canary-configured-4a8e61';
const CLIENT_SECRET = 'cs-canary-client-9d3f27';
const HOUR_LESS_A_MINUTE = 3_540_000;

describe('OAuth credentials: secrets and reload', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps refresh tokens, client secrets and access tokens out of logs, answers, the admin API, snapshots and the event log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-oauth-canary-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const token = await startTokenEndpoint((index) =>
      issued(index, { access_token: `at-canary-${index}-7c1d9e`, refresh_token: `rt-canary-${index}-5b2f0a` }),
    );
    cleanups.push(() => token.close());
    const up = await startMockUpstream((request, index) => {
      const raw = String(request.headers.authorization).replace(/^Bearer /, '');
      if (index === 0) return { kind: 'status', status: 400, body: { error: { message: `token ${raw} may not call this model` } } };
      if (index === 1) return { kind: 'status', status: 500, body: { error: { message: `token ${raw} broke us` } }, headers: { 'x-echo': raw } };
      return { kind: 'ok' };
    }, 'up');
    cleanups.push(() => up.close());
    const time = steppingClock();
    const oauth = { tokenUrl: token.url, clientId: 'fusebox', clientSecret: CLIENT_SECRET, refreshToken: CONFIGURED_REFRESH };
    const gw = await startTestGateway(
      {
        server: { adminToken: ADMIN_TOKEN },
        dataDir: join(dir, 'data'),
        eventLog: join(dir, 'events.ndjson'),
        backends: [{ id: 'a', baseUrls: [up.baseUrl], credentials: [{ id: 'acct', oauth }] }],
      },
      { persist: true, clock: time.clock },
    );
    let open = true;
    cleanups.push(() => (open ? gw.close() : undefined));
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      answers.push(
        await client.chat.completions.create(ask).then(
          (reply) => JSON.stringify(reply),
          (error: unknown) => String(error),
        ),
      );
    }
    time.advance(HOUR_LESS_A_MINUTE);
    await until(() => time.pending().includes(HOUR_LESS_A_MINUTE), 'the refreshed token in use');
    answers.push(JSON.stringify(await client.chat.completions.create(ask)));
    for (const path of ['/admin/actors', '/metrics', '/status']) answers.push((await admin(gw.url, path)).text);
    await gw.close();
    open = false;

    const secrets = [CONFIGURED_REFRESH, CLIENT_SECRET, 'at-canary-0-7c1d9e', 'at-canary-1-7c1d9e', 'rt-canary-0-5b2f0a', 'rt-canary-1-5b2f0a'];
    // the tokens did travel: upstream saw both access tokens, the endpoint the rotated refresh token
    expect(up.requests.map((r) => r.headers.authorization)).toContain('Bearer at-canary-1-7c1d9e');
    expect(token.exchanges.map((form) => form.get('refresh_token'))).toEqual([CONFIGURED_REFRESH, 'rt-canary-0-5b2f0a']);
    const stored = filesUnder(dir).map((file) => readFileSync(file).toString('latin1'));
    expect(stored.length).toBeGreaterThan(1);
    for (const text of [...gw.rawLogs, ...answers, ...stored]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });

  it('keeps the tokens of unchanged credentials across a reload, fetches for new or changed ones, drops removed ones', async () => {
    const token = await startTokenEndpoint();
    cleanups.push(() => token.close());
    const up = await startMockUpstream(undefined, 'up');
    cleanups.push(() => up.close());
    const credential = (id: string, refreshToken: string) => ({ id, oauth: { tokenUrl: token.url, clientId: 'fusebox', refreshToken } });
    let backends: ConfigInput['backends'] = [
      { id: 'a', baseUrls: [up.baseUrl], credentials: [credential('keep', 'rt-keep'), credential('drop', 'rt-drop')] },
    ];
    const time = steppingClock();
    const gw = await startTestGateway(
      { server: { adminToken: ADMIN_TOKEN }, backends },
      { clock: time.clock, loadConfig: () => parseConfig({ server: { port: 0, adminToken: ADMIN_TOKEN }, backends }) },
    );
    cleanups.push(() => gw.close());
    const presented = () => token.exchanges.map((form) => form.get('refresh_token'));
    await until(() => time.pending().filter((ms) => ms === HOUR_LESS_A_MINUTE).length === 2, 'both first tokens');

    backends = [{ id: 'a', baseUrls: [up.baseUrl], credentials: [credential('keep', 'rt-keep'), credential('new', 'rt-new')] }];
    await gw.gateway.reload();
    await until(() => time.pending().filter((ms) => ms === HOUR_LESS_A_MINUTE).length === 2, 'the new credential has its token');
    expect(presented().sort()).toEqual(['rt-drop', 'rt-keep', 'rt-new']);
    const client = new OpenAI({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    for (let i = 0; i < 4; i++) await client.chat.completions.create(ask);
    // the kept credential was not exchanged again; the dropped one's token is no longer sent
    expect(presented().filter((rt) => rt === 'rt-keep')).toHaveLength(1);
    for (const request of up.requests) expect([bearerOf('rt-keep'), bearerOf('rt-new')]).toContain(request.headers.authorization);

    time.advance(HOUR_LESS_A_MINUTE);
    await until(() => token.exchanges.length === 5, 'two refreshes');
    expect(presented().slice(3).sort()).toEqual(['rt-keep', 'rt-new']);

    backends = [{ id: 'a', baseUrls: [up.baseUrl], credentials: [credential('keep', 'rt-keep-2'), credential('new', 'rt-new')] }];
    await gw.gateway.reload();
    await until(() => token.exchanges.length === 6, 'the changed credential exchanged again');
    expect(presented()[5]).toBe('rt-keep-2');

    /** The Bearer issued for `refreshToken` (the endpoint answers in order: at-1, at-2, …). */
    function bearerOf(refreshToken: string): string {
      return `Bearer at-${presented().indexOf(refreshToken) + 1}`;
    }
  });
});
