import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { baseUrlActorId } from '../../actors/layout.js';
import { STATUS_SCRIPT } from './status-page-script.js';
import { USAGE_SCRIPT } from './status-page-usage.js';

/**
 * GET /status: one self-contained HTML page (inline style and script, no external assets,
 * no build step). The page itself holds no data: it asks the operator for the admin token
 * once (kept in sessionStorage), then reads `/admin/events` with it and redraws live.
 * A Content-Security-Policy with a per-response nonce allows nothing but this page's own
 * script and style, and connections to this origin.
 *
 * DOM contract (used by the browser test): every actor is drawn as an element with
 * `data-actor="<actor id>"`, holding a `.badge` whose `data-state` and text are its state;
 * token usage is a table `#usage` (status-page-usage.ts).
 */
export function sendStatusPage(res: ServerResponse, requestId: string, adminEnabled: boolean): void {
  const nonce = randomBytes(16).toString('base64');
  const body = Buffer.from(statusHtml(nonce, adminEnabled));
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(body.length),
    'cache-control': 'no-store',
    'x-request-id': requestId,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  });
  res.end(body);
}

/**
 * What `GET /admin/hosts` answers: each BaseURL actor id → its URL's host (and port), the
 * status page's label for that mirror. Never the path, query or user info of the URL.
 */
export function mirrorHosts(backends: readonly { readonly id: string; readonly baseUrls: readonly string[] }[]): Record<string, string> {
  const hosts: Record<string, string> = {};
  for (const backend of backends) backend.baseUrls.forEach((url, index) => (hosts[baseUrlActorId(backend.id, index)] = new URL(url).host));
  return hosts;
}

function statusHtml(nonce: string, adminEnabled: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fusebox status</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>
  <h1>fusebox</h1>
  <span id="conn" class="conn" data-conn="idle">not connected</span>
  <span id="cluster" class="conn" data-conn="idle" hidden></span>
  <span class="spacer"></span>
  <button id="forget" type="button" hidden>forget token</button>
</header>
<main>
  <section id="login" hidden>
    <p>The status page reads the admin API. Enter the admin token (<code>server.adminToken</code>); it is kept in this tab only.</p>
    <form id="login-form"><input id="token" type="password" autocomplete="off" placeholder="admin token" aria-label="admin token"> <button type="submit">connect</button></form>
    <p id="login-error" class="error"></p>
  </section>
  <section id="off" ${adminEnabled ? 'hidden' : ''}>
    <p>The admin API is off. Set <code>server.adminToken</code> in the config (at least 16 characters) and restart or reload fusebox.</p>
  </section>
  <section id="fleet" aria-live="polite"></section>
  <section>
    <h2>Token usage</h2>
    <table id="usage" class="creds"></table>
    <p id="usage-since" class="meta"></p>
  </section>
  <section>
    <h2>Last transitions</h2>
    <ol id="transitions" class="transitions"></ol>
  </section>
</main>
<script nonce="${nonce}">const ADMIN_ENABLED = ${adminEnabled ? 'true' : 'false'};
${STATUS_SCRIPT}
${USAGE_SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e2e5ea;
  --closed: #1f9d55; --half: #d68a00; --open: #d0342c; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171c; --card: #1d2128; --ink: #e8ebf0; --muted: #98a0ae; --line: #2c313a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; align-items: center; gap: 12px; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--card); }
h1 { font-size: 18px; margin: 0; } h2 { font-size: 15px; margin: 18px 0 8px; } h3 { font-size: 15px; margin: 0; }
main { padding: 12px 20px 40px; max-width: 1200px; }
.spacer { flex: 1; }
.conn { font-size: 12px; color: var(--muted); }
.conn[data-conn="live"]::before { content: "\\25CF "; color: var(--closed); }
.conn[data-conn="down"]::before { content: "\\25CF "; color: var(--open); }
#fleet { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; }
.backend { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.row { display: flex; align-items: center; gap: 8px; padding: 4px 0; border-top: 1px solid var(--line); flex-wrap: wrap; }
.row.head { border-top: 0; padding-top: 0; }
.name { font-family: ui-monospace, Menlo, monospace; font-size: 13px; }
.meta { color: var(--muted); font-size: 12px; }
.grow { flex: 1; }
.badge { display: inline-block; min-width: 70px; text-align: center; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; }
.badge[data-state="closed"] { background: var(--closed); }
.badge[data-state="half_open"] { background: var(--half); }
.badge[data-state="open"] { background: var(--open); }
.badge.small { min-width: 0; font-weight: 500; }
.score { font-variant-numeric: tabular-nums; }
.creds { width: 100%; border-collapse: collapse; font-size: 12px; margin-top: 4px; }
.creds td, .creds th { text-align: left; padding: 2px 6px 2px 0; font-weight: normal; }
.creds th { color: var(--muted); }
button { font: inherit; font-size: 12px; padding: 1px 8px; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--ink); cursor: pointer; }
.controls { display: inline-flex; gap: 4px; }
.transitions { margin: 0; padding-left: 20px; font-size: 13px; }
.transitions li { padding: 2px 0; }
.error { color: var(--open); }
code { font-family: ui-monospace, Menlo, monospace; }
input { font: inherit; padding: 3px 6px; }
`;
