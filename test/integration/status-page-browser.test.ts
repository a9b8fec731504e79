import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/upstream.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin.js';
import { backendsFor, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The status page in a real headless browser (Debian's chromium via playwright-core).
 * Skipped, saying so, only where /usr/bin/chromium is absent (.ci/run installs it).
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) process.stderr.write(`status-page browser test skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)\n`);
// The docs screenshot is rewritten only on request (FUSEBOX_SCREENSHOTS=1), so a test run leaves the tree clean.
const SCREENSHOT =
  process.env.FUSEBOX_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../docs/status-page.png', import.meta.url))
    : join(tmpdir(), `fusebox-status-page-${process.pid}.png`);

describe.skipIf(!hasChromium)('the status page in chromium', () => {
  let browser: BrowserContext | undefined; // unset when beforeAll fails part way
  let profile: string;
  let upstreams: MockUpstream[] = [];
  let gw: TestGateway | undefined;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'fusebox-chromium-'));
    // A fresh profile directory: playwright passes it as --user-data-dir.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 820 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    upstreams = await Promise.all(['openai-eu', 'openai-us', 'backup'].map((name) => startMockUpstream(undefined, name)));
    const [eu, us, backup] = upstreams;
    gw = await startTestGateway({
      server: { adminToken: ADMIN_TOKEN },
      backends: [
        {
          id: 'openai-main',
          baseUrls: [eu!.baseUrl, us!.baseUrl],
          credentials: [
            { id: 'team-a', apiKey: 'sk-team-a-browser-secret', quota: { requests: 500, per: 'minute' } },
            { id: 'team-b', apiKey: 'sk-team-b-browser-secret' },
          ],
          breaker: { failureThreshold: 3, recoveryMs: 120_000 },
        },
        ...backendsFor({ id: 'backup', baseUrls: [backup!.baseUrl], priority: 1 }),
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await Promise.all(upstreams.map((u) => u.close()));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('asks for the token once, then turns a breaker badge to open within a second of it opening', async () => {
    const page = await browser!.newPage();
    const origin = new URL(gw!.url).origin;
    await page.goto(`${origin}/status`);
    await page.locator('#token').fill(ADMIN_TOKEN);
    await page.locator('#login-form button').click();
    const badge = page.locator('[data-actor="backend:openai-main"] > .badge');
    await expect.poll(() => badge.getAttribute('data-state'), { timeout: 5000 }).toBe('closed');
    expect(await page.locator('#conn').getAttribute('data-conn')).toBe('live');

    const client = new OpenAI({ baseURL: gw!.url, apiKey: 'client-key', maxRetries: 0 });
    for (let i = 0; i < 6; i++) await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `warm ${i}` }] });
    for (const upstream of upstreams.slice(0, 2)) upstream.script = () => ({ kind: 'status', status: 503 });
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `fail ${i}` }] });
    expect(gw!.gateway.actors.view('backend:openai-main').state).toBe('open');
    const openedAt = Date.now();
    await expect.poll(() => badge.getAttribute('data-state'), { timeout: 1000, interval: 25 }).toBe('open');
    expect(Date.now() - openedAt).toBeLessThan(1000);
    expect(await badge.textContent()).toBe('open');
    await expect.poll(() => page.locator('#transitions li').first().getAttribute('data-transition-actor')).toMatch(/openai-main/);
    await expect.poll(() => page.locator('[data-actor="backend:openai-main"] .countdown').textContent()).toMatch(/half-open in \d+m/);

    // The token is asked for once: a reload reconnects without asking.
    await page.reload();
    await expect.poll(() => page.locator('#conn').getAttribute('data-conn'), { timeout: 5000 }).toBe('live');
    expect(await page.locator('#login').isHidden()).toBe(true);
    await expect.poll(() => badge.getAttribute('data-state')).toBe('open');
    const html = await page.content();
    expect(html).not.toContain('browser-secret');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  });

  it('labels mirrors by host, offers release only on isolated rows, and lists no closed → closed resets', async () => {
    const page = await browser!.newPage();
    const origin = new URL(gw!.url).origin;
    await page.goto(`${origin}/status`);
    await page.locator('#token').fill(ADMIN_TOKEN);
    await page.locator('#login-form button').click();
    const mirror = page.locator('[data-actor="baseurl:openai-main:1"] > .name');
    await expect.poll(() => mirror.textContent(), { timeout: 5000 }).toBe(new URL(upstreams[1]!.baseUrl).host);

    const backup = page.locator('[data-actor="backend:backup"]');
    await expect.poll(() => backup.locator('[data-action]').evaluateAll((nodes) => nodes.map((n) => n.textContent))).toEqual(['isolate', 'reset']);
    await backup.locator('[data-action="isolate"]').click();
    await expect.poll(() => backup.locator('[data-action]').evaluateAll((nodes) => nodes.map((n) => n.textContent))).toEqual(['release', 'reset']);

    const pool = 'pool:backup:default';
    await page.locator(`[data-actor="${pool}"] [data-action="reset"]`).first().click();
    await page.locator(`[data-actor="${pool}"] [data-action="isolate"]`).first().click();
    const listed = page.locator(`#transitions li[data-transition-actor="${pool}"]`);
    await expect.poll(() => listed.count()).toBe(1);
    expect(await listed.locator('.badge').evaluateAll((nodes) => nodes.map((n) => n.textContent))).toEqual(['closed', 'open']); // an isolated breaker reads open
    for (const id of ['backend:backup', pool])
      await fetch(`${origin}/admin/actors/${id}/release`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await page.close();
  });

  it('shows the token usage of /admin/usage, a row per client key, backend, credential and model', async () => {
    const client = new OpenAI({ baseURL: gw!.url, apiKey: 'client-key', maxRetries: 0 });
    for (const upstream of upstreams) upstream.script = () => ({ kind: 'ok' });
    await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'counted' }] });
    const usage = async () => (await admin<{ totals: Record<string, string | number>[] }>(gw!.url, '/admin/usage')).json.totals;
    await expect.poll(async () => (await usage()).length).toBeGreaterThan(0);
    const totals = await usage();
    const page = await browser!.newPage();
    await page.goto(`${new URL(gw!.url).origin}/status`);
    await page.locator('#token').fill(ADMIN_TOKEN);
    await page.locator('#login-form button').click();
    const rows = page.locator('#usage tr[data-usage-row]');
    await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(totals.length);
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const expected = totals.map((r) => [r.client, r.backend, r.credential, r.model, r.requests, r.inputTokens, r.outputTokens].map(String));
    expect(shown).toEqual(expect.arrayContaining(expected));
    expect(shown[0]![0]).toBe('anonymous');
    await page.close();
  });

  it('shows a wrong token as refused and asks again', async () => {
    const page = await browser!.newPage(); // a new tab: its own sessionStorage, so no token yet
    await page.goto(`${new URL(gw!.url).origin}/status`);
    await page.locator('#token').fill('not-the-admin-token');
    await page.locator('#login-form button').click();
    await expect.poll(() => page.locator('#login-error').textContent(), { timeout: 5000 }).toContain('not accepted');
    expect(await page.locator('#login').isVisible()).toBe(true);
    await page.close();
  });
});
