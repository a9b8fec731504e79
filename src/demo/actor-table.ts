import type { ActorView } from '../actors/actor-tree.js';
import { credentialWeight, isUsable, type CredentialState } from '../machines/credentials.js';
import { healthScore } from '../machines/health.js';
import { credentialList } from '../machines/breaker.js';

/**
 * The demo's table of actors: one row per backend, BaseURL and pool, and one indented row per
 * credential. Pure: it reads the views it is given and the time it is told, nothing else.
 */
export interface TableRow {
  readonly name: string;
  readonly state: string;
  readonly score: string;
  readonly weight: string;
  readonly next: string;
}

const HEADER: TableRow = { name: 'actor', state: 'state', score: 'score', weight: 'weight', next: 'next deadline' };

export function actorRows(ids: readonly string[], view: (id: string) => ActorView, now: number): TableRow[] {
  const rows: TableRow[] = [];
  for (const id of ids) {
    const { state, context } = view(id);
    const depth = id.startsWith('backend:') ? 0 : 1;
    rows.push({
      name: `${'  '.repeat(depth)}${id}`,
      state: context.isolated ? `${state} (isolated)` : state,
      score: healthScore(context.health, now).toFixed(0),
      weight: '',
      next: deadlineText(state, context.openUntil, context.probesInFlight, now),
    });
    for (const credential of credentialList(context)) rows.push(credentialRow(credential, now));
  }
  return rows;
}

function credentialRow(credential: CredentialState, now: number): TableRow {
  let state = 'usable';
  if (credential.disabled !== null) state = `disabled (${credential.disabled})`;
  else if (credential.cooldownUntil !== null && credential.cooldownUntil > now) state = 'cooling down';
  else if (!isUsable(credential, now)) state = 'quota spent';
  const cooling = credential.cooldownUntil !== null && credential.cooldownUntil > now;
  return {
    name: `      key ${credential.id}`,
    state,
    score: healthScore(credential.health, now).toFixed(0),
    weight: credentialWeight(credential, now).toFixed(2),
    next: cooling ? `usable in ${seconds(credential.cooldownUntil - now)}` : '',
  };
}

function deadlineText(state: string, openUntil: number | null, probes: number, now: number): string {
  if (state === 'open' && openUntil !== null) {
    return openUntil > now ? `half-open in ${seconds(openUntil - now)}` : 'half-open on next request';
  }
  if (state === 'half_open') return probes > 0 ? `probing (${probes} in flight)` : 'next request probes';
  return '';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Aligns rows into text lines; `color` adds ANSI colours to the state column (for a TTY). */
export function formatTable(rows: readonly TableRow[], color = false): string[] {
  const all = [HEADER, ...rows];
  const width = (pick: (row: TableRow) => string) => Math.max(...all.map((row) => pick(row).length));
  const w = { name: width((r) => r.name), state: width((r) => r.state), score: width((r) => r.score), weight: width((r) => r.weight) };
  return all.map((row, index) => {
    const state = row.state.padEnd(w.state);
    const line = [
      row.name.padEnd(w.name),
      color && index > 0 ? paint(row.state, state) : state,
      row.score.padStart(w.score),
      row.weight.padStart(w.weight),
      row.next,
    ].join('  ');
    return line.trimEnd();
  });
}

function paint(state: string, padded: string): string {
  const code = state.startsWith('open') || state.startsWith('disabled') ? 31 : state.startsWith('half') || state.startsWith('cooling') ? 33 : 32;
  return `\x1b[${code}m${padded}\x1b[0m`;
}
