import { breakerState, credentialList, type BreakerContext, type BreakerValue } from '../machines/breaker.js';
import { healthScore } from '../machines/health.js';
import type { ReplayResult, TimelineEntry } from './replay.js';

/**
 * Printing a replay: a timeline of transitions and a table of final states, or the whole
 * result as JSON. A pure function of the result (times come from the log, never from the
 * wall clock), so the same log prints byte-identically every time.
 */
export function formatReplay(result: ReplayResult, json = false): string {
  if (json) return `${JSON.stringify(result, null, 2)}\n`;
  const head =
    `fusebox replay: ${result.sessions} session(s), ${result.events} events, ` +
    `${iso(result.startedAt)} → ${iso(result.endedAt)} (recorded by fusebox ${result.version})\n`;
  const timeline = table(
    ['TIME', 'OFFSET', 'ACTOR', 'CHANGE', 'WHY'],
    result.timeline.map((entry) => timelineRow(entry, result.startedAt)),
  );
  const finals = table(
    ['ACTOR', 'STATE', 'OPEN UNTIL', 'HEALTH', 'FAILS', 'CREDENTIALS'],
    Object.entries(result.final).map(([id, view]) => finalRow(id, view, result.endedAt)),
  );
  return `${head}\nTimeline\n${timeline}\nFinal state (as of ${iso(result.endedAt)})\n${finals}`;
}

/**
 * One row per actor of the final (or stored) state, for `fusebox replay` and `fusebox state`.
 * `state` is a traffic state (an actor view's) or a machine state value (a stored snapshot's).
 */
export function finalRow(id: string, view: { readonly state: BreakerValue; readonly context: BreakerContext }, now: number): string[] {
  const { context } = view;
  const isolated = view.state === 'isolated' || context.isolated;
  return [
    id,
    isolated ? `${breakerState(view.state)} (isolated)` : view.state,
    context.openUntil === null ? '-' : `${iso(context.openUntil)} (${offset(context.openUntil - now)})`,
    healthScore(context.health, now).toFixed(0),
    String(context.health.consecutiveFailures),
    credentialSummary(context, now),
  ];
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const render = (cells: readonly string[]) =>
    `  ${cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}`.trimEnd();
  return `${[render(headers), ...rows.map(render)].join('\n')}\n`;
}

export function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

function timelineRow(entry: TimelineEntry, startedAt: number): string[] {
  const actor = entry.subject === undefined ? entry.actor : `${entry.actor}[${entry.subject}]`;
  const change = entry.kind === 'session' ? 'session' : `${entry.from} → ${entry.to}`;
  return [iso(entry.at), offset(entry.at - startedAt), actor, change, entry.why];
}

function credentialSummary(context: BreakerContext, now: number): string {
  const parts = credentialList(context).map((credential) => {
    if (credential.disabled !== null) return `${credential.id} disabled (${credential.disabled})`;
    if (credential.cooldownUntil !== null && credential.cooldownUntil > now) {
      return `${credential.id} cooling until ${offset(credential.cooldownUntil - now)}`;
    }
    return `${credential.id} ok`;
  });
  return parts.length === 0 ? '-' : parts.join(', ');
}

function offset(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(3)}s`;
}
