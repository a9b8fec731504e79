/**
 * The status page's usage table (plain ES2020, inlined after STATUS_SCRIPT, whose helpers it
 * uses): the totals of `GET /admin/usage`, one row per client key id, backend, credential id
 * and model, read when the page connects and every USAGE_REFRESH_MS after. Drawn with
 * textContent only. DOM contract: each row is a `tr[data-usage-row]` whose cells are client,
 * backend, credential, model, requests, input tokens, output tokens.
 */
export const USAGE_SCRIPT = String.raw`
const USAGE_REFRESH_MS = 10000;
async function loadUsage() {
  const token = sessionStorage.getItem(KEY);
  if (!token) return;
  try {
    const res = await fetch('/admin/usage', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
    if (!res.ok) return;
    renderUsage(await res.json());
  } catch (error) {
    // The table keeps its last rows; the next refresh tries again.
  }
}
function renderUsage(report) {
  const rows = report.totals.slice().sort((a, b) => b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens));
  const head = el('tr', {}, ...['client', 'backend', 'credential', 'model', 'requests', 'input tokens', 'output tokens'].map((t) => el('th', { text: t })));
  $('usage').replaceChildren(head, ...rows.map((r) => el('tr', { 'data-usage-row': '' },
    ...[r.client, r.backend, r.credential, r.model, r.requests, r.inputTokens, r.outputTokens].map((v) => el('td', { text: String(v) })))));
  $('usage-since').textContent = rows.length === 0 ? 'no answered requests yet' : 'since ' + new Date(report.since).toLocaleString() + ' (this instance)';
}
setInterval(loadUsage, USAGE_REFRESH_MS);
`;
