/**
 * The status page's browser script (plain ES2020, inlined by status-page.ts). It reads the
 * admin SSE feed with fetch (EventSource cannot send an Authorization header), keeps one
 * model of the actors, and redraws only the actor that changed. Everything is drawn with
 * textContent, never innerHTML. Contract: see status-page.ts.
 */
export const STATUS_SCRIPT = String.raw`
'use strict';
const KEY = 'fusebox-admin-token';
const $ = (id) => document.getElementById(id);
const model = { actors: new Map(), transitions: [], offset: 0, hosts: {} };
let controller = null;
let retry = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v; else if (k === 'text') node.textContent = v; else node.setAttribute(k, v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}
function setConn(kind, text) { const c = $('conn'); c.dataset.conn = kind; c.textContent = text; }
function ask(message) {
  if (controller) controller.abort();
  $('login').hidden = false; $('forget').hidden = true;
  $('login-error').textContent = message || '';
  setConn('idle', 'not connected');
  $('token').focus();
}
function now() { return Date.now() + model.offset; }
function duration(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return s + 's';
  const m = Math.floor(s / 60);
  return m < 60 ? m + 'm ' + (s % 60) + 's' : Math.floor(m / 60) + 'h ' + (m % 60) + 'm';
}
function clockTime(at) { return new Date(at).toLocaleTimeString(); }

function parts(id) {
  const [kind, backend, rest] = id.split(':');
  return { kind, backend, rest };
}
function groups() {
  const byBackend = new Map();
  for (const actor of model.actors.values()) {
    const p = parts(actor.id);
    if (!byBackend.has(p.backend)) byBackend.set(p.backend, []);
    byBackend.get(p.backend).push(actor);
  }
  const order = { backend: 0, baseurl: 1, pool: 2 };
  for (const list of byBackend.values()) list.sort((a, b) => order[a.role] - order[b.role] || a.id.localeCompare(b.id));
  return byBackend;
}

function badge(state, small) {
  return el('span', { class: 'badge' + (small ? ' small' : ''), 'data-state': state, text: state });
}
function deadline(actor) {
  if (actor.isolated) return el('span', { class: 'meta', text: 'isolated by operator' });
  if (actor.state === 'open' && actor.openUntil) return el('span', { class: 'meta countdown', 'data-until': String(actor.openUntil), 'data-label': 'half-open in ' });
  if (actor.state === 'half_open') return el('span', { class: 'meta', text: 'probing (' + actor.probesInFlight + ' in flight)' });
  return null;
}
function controls(actor) {
  const box = el('span', { class: 'controls' });
  // release ends an isolation, so it is offered exactly where isolate is not.
  for (const action of [actor.isolated ? 'release' : 'isolate', 'reset']) {
    const b = el('button', { type: 'button', 'data-action': action, text: action });
    b.addEventListener('click', () => control(actor.id, action));
    box.append(b);
  }
  return box;
}
function credentialTable(actor) {
  const table = el('table', { class: 'creds' });
  table.append(el('tr', {}, el('th', { text: 'credential' }), el('th', { text: 'weight' }), el('th', { text: 'quota left' }), el('th', { text: 'score' }), el('th', { text: 'status' })));
  for (const c of actor.credentials || []) {
    let status = el('span', { class: 'meta', text: c.usable ? 'ready' : 'unusable' });
    if (c.disabled) {
      status = badge('disabled', true);
      status.dataset.state = 'open';
      status.title = c.disabled;
    } else if (c.cooldownUntil) status = el('span', { class: 'meta countdown', 'data-until': String(c.cooldownUntil), 'data-label': 'cooling down ' });
    table.append(el('tr', { 'data-credential': c.id }, el('td', { class: 'name', text: c.id }), el('td', { text: c.weight.toFixed(2) }),
      el('td', { text: Math.round(c.remainingRatio * 100) + '%' }), el('td', { class: 'score', text: String(c.health.score) }), el('td', {}, status)));
  }
  return table;
}
function actorRow(actor) {
  const p = parts(actor.id);
  const label = actor.role === 'backend' ? actor.id : actor.role === 'baseurl' ? model.hosts[actor.id] || 'BaseURL #' + p.rest : 'credential pool ' + p.rest;
  const row = el('div', { class: 'row' + (actor.role === 'backend' ? ' head' : ''), 'data-actor': actor.id, 'data-role': actor.role },
    actor.role === 'backend' ? el('h3', { class: 'name', text: label }) : el('span', { class: 'name', text: label, title: actor.role === 'baseurl' ? 'BaseURL #' + p.rest : '' }),
    badge(actor.state),
    el('span', { class: 'score', title: 'health score 0-100', text: 'score ' + actor.health.score }),
    actor.health.latencyMs === null ? null : el('span', { class: 'meta', text: actor.health.latencyMs + ' ms' }),
    deadline(actor),
    el('span', { class: 'grow' }),
    controls(actor));
  if (actor.lastTransition) row.title = 'last: ' + actor.lastTransition.from + ' -> ' + actor.lastTransition.to + ' (' + actor.lastTransition.reason + ')';
  if (actor.role === 'pool') row.append(credentialTable(actor));
  return row;
}
function renderAll() {
  const fleet = $('fleet');
  fleet.replaceChildren();
  for (const [backend, actors] of groups()) {
    const card = el('article', { class: 'backend', 'data-backend': backend });
    for (const actor of actors) card.append(actorRow(actor));
    fleet.append(card);
  }
  tick();
}
function renderActor(id) {
  const old = document.querySelector('[data-actor="' + CSS.escape(id) + '"]');
  const actor = model.actors.get(id);
  if (!old || !actor) return renderAll();
  old.replaceWith(actorRow(actor));
  tick();
}
function renderTransitions() {
  const list = $('transitions');
  list.replaceChildren(...model.transitions.slice(0, 30).map((t) =>
    el('li', { 'data-transition-actor': t.actorId }, el('span', { class: 'meta', text: clockTime(t.at) + ' ' }), el('span', { class: 'name', text: t.actorId + ' ' }),
      badge(t.from, true), document.createTextNode(' \u2192 '), badge(t.to, true), el('span', { class: 'meta', text: ' ' + (t.reason || '') }))));
}
// A transition is a change of state: a reset of a closed breaker (closed -> closed) is not listed.
function changed(t) { return t.from !== t.to; }
function tick() {
  for (const node of document.querySelectorAll('[data-until]')) {
    const left = Number(node.dataset.until) - now();
    node.textContent = left > 0 ? node.dataset.label + duration(left) : node.dataset.label + 'now';
  }
}

function onEvent(name, data) {
  if (name === 'snapshot' || name === 'fleet') {
    if (name === 'snapshot') model.offset = data.now - Date.now();
    model.actors = new Map(data.actors.map((a) => [a.id, a]));
    if (name === 'fleet') loadHosts();
    if (name === 'snapshot') {
      model.transitions = data.actors.filter((a) => a.lastTransition).map((a) => ({ actorId: a.id, ...a.lastTransition })).filter(changed).sort((x, y) => y.at - x.at);
      renderTransitions();
    }
    return renderAll();
  }
  if (name === 'transition') {
    model.actors.set(data.actorId, data.actor);
    const t = { actorId: data.actorId, at: data.at, from: data.from, to: data.to, reason: data.reason };
    if (changed(t)) {
      model.transitions.unshift(t);
      model.transitions.length = Math.min(model.transitions.length, 100);
      renderTransitions();
    }
    return renderActor(data.actorId);
  }
  if (name === 'actor') {
    model.actors.set(data.id, data);
    return renderActor(data.id);
  }
}
function onBlock(block) {
  let name = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) name = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (data) onEvent(name, JSON.parse(data));
}
async function connect() {
  clearTimeout(retry);
  const token = sessionStorage.getItem(KEY);
  if (!token) return ask('');
  $('login').hidden = true; $('forget').hidden = false;
  setConn('idle', 'connecting...');
  controller = new AbortController();
  const signal = controller.signal;
  try {
    const res = await fetch('/admin/events', { headers: { authorization: 'Bearer ' + token }, signal, cache: 'no-store' });
    if (res.status === 401) { sessionStorage.removeItem(KEY); return ask('That token was not accepted.'); }
    if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
    setConn('live', 'live');
    loadHosts();
    loadUsage();
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop();
      blocks.forEach(onBlock);
    }
  } catch (error) {
    if (signal.aborted) return;
  }
  setConn('down', 'disconnected, retrying...');
  retry = setTimeout(connect, 2000);
}
async function loadHosts() {
  const token = sessionStorage.getItem(KEY);
  try {
    const res = await fetch('/admin/hosts', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
    if (!res.ok) return;
    model.hosts = await res.json();
    renderAll();
  } catch (error) {
    // The labels fall back to 'BaseURL #n'; the live feed does not depend on them.
  }
}
async function control(id, action) {
  const token = sessionStorage.getItem(KEY);
  const res = await fetch('/admin/actors/' + encodeURIComponent(id) + '/' + action, { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  if (res.status === 401) { sessionStorage.removeItem(KEY); ask('That token was not accepted.'); }
}

async function loadCluster() {
  try {
    const res = await fetch('/healthz', { cache: 'no-store' });
    const cluster = res.ok ? (await res.json()).cluster : undefined;
    const badge = $('cluster');
    badge.hidden = !cluster;
    if (!cluster) return;
    badge.dataset.conn = cluster.connected ? 'live' : 'down';
    badge.textContent = cluster.connected ? 'cluster: shared' : 'cluster: Redis unreachable, local state only';
  } catch (error) {
    // /healthz unreachable: the feed's own indicator already says fusebox is.
  }
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $('token').value.trim();
  if (!value) return;
  sessionStorage.setItem(KEY, value);
  $('token').value = '';
  connect();
});
$('forget').addEventListener('click', () => { sessionStorage.removeItem(KEY); ask(''); });
setInterval(tick, 250);
setInterval(loadCluster, 2000);
loadCluster();
if (ADMIN_ENABLED) connect();
`;
