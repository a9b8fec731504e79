/**
 * Draws the breaker machine from its definition (no hand-drawn layout of transitions):
 * walks `breakerMachine.root`, builds an SVG, screenshots it with headless Debian chromium.
 *   npx tsx docs/tools/render-machine.ts   → docs/breaker-machine.svg, docs/breaker-machine.png
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { breakerMachine } from '../../src/machines/breaker.js';

interface Edge {
  from: string;
  to: string | null;
  event: string;
  guard: string | null;
  actions: string[];
}
interface Box {
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  loops: string[];
}

const CHAR = 7.9; // DejaVu Sans Mono advance at 13px
const FONT = `font-family="DejaVu Sans Mono, monospace" font-size="13"`;
const COLOURS: Record<string, { fill: string; stroke: string }> = {
  closed: { fill: '#e8f5e9', stroke: '#2e7d32' },
  open: { fill: '#ffebee', stroke: '#c62828' },
  half_open: { fill: '#fff8e1', stroke: '#e69100' },
  isolated: { fill: '#ede7f6', stroke: '#5e35b1' },
};
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROW = 50; // vertical space per arrow between two boxes
const TOP = 170; // y of the boxes' top edge

/** A guard as written in the machine: `name`, or `!name` for `not('name')`. */
function guardName(guard: unknown): string | null {
  if (guard === undefined) return null;
  if (typeof guard === 'string') return guard;
  const g = guard as { name?: string; type?: string; guards?: unknown[] };
  const inner = (g.guards ?? []).map(guardName).join(g.name === 'and' ? ' && ' : ' || ');
  if (g.name === 'not') return `!${inner}`;
  return inner || g.type || 'guard';
}

function actionName(action: unknown): string {
  return typeof action === 'string' ? action : ((action as { type?: string }).type ?? 'action');
}

/** Every transition of a state node, one per branch (guarded branches are separate edges). */
function edgesOf(node: typeof breakerMachine.root): Edge[] {
  return Object.values(node.on).flatMap((branches) =>
    branches.map((t) => ({
      from: node.key,
      to: t.target?.[0]?.key ?? null,
      event: t.eventType,
      guard: guardName(t.guard),
      actions: t.actions.map(actionName),
    })),
  );
}

const label = (e: Edge): string => e.event + (e.guard ? ` [${e.guard}]` : '');
const loopText = (e: Edge): string => `${label(e)} / ${e.actions.join(', ')}`;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x: number, y: number, s: string, extra = ''): string => `<text x="${x}" y="${y}" ${FONT} ${extra}>${esc(s)}</text>`;

/** States left to right in definition order; gaps wide enough for the labels crossing them. */
function layout(names: string[], edges: Edge[]): { boxes: Map<string, Box>; width: number } {
  const loops = (n: string) => edges.filter((e) => e.from === n && (e.to === null || e.to === n));
  const between = (i: number) => edges.filter((e) => [e.from, e.to].sort().join() === [names[i], names[i + 1]].sort().join());
  const gapRows = names.slice(1).map((_, i) => between(i).length);
  const h = Math.max(...names.map((n) => 56 + loops(n).length * 20), ...gapRows.map((r) => r * ROW + 20));
  const boxes = new Map<string, Box>();
  let x = 40;
  names.forEach((name, i) => {
    const lines = loops(name).map(loopText);
    const w = Math.max(180, ...lines.map((l) => l.length * CHAR + 28));
    boxes.set(name, { name, x, y: TOP, w, h, loops: lines });
    const labels = i + 1 < names.length ? between(i).flatMap((e) => [e.event.length, (e.guard?.length ?? 0) + 2]) : [];
    x += w + (labels.length ? Math.max(...labels) * CHAR + 50 : 0);
  });
  return { boxes, width: x + 40 };
}

function drawBox(b: Box, initial: boolean): string {
  const c = COLOURS[b.name] ?? { fill: '#eeeeee', stroke: '#555555' };
  const badgeW = b.name.length * CHAR * 1.15 + 28;
  const parts = [
    `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="16" fill="${c.fill}" stroke="${c.stroke}" stroke-width="2.5"/>`,
    `<rect x="${b.x + 14}" y="${b.y + 12}" width="${badgeW}" height="26" rx="13" fill="${c.stroke}"/>`,
    text(b.x + 28, b.y + 30, b.name, 'fill="#fff" font-weight="bold" font-size="15"'),
    ...b.loops.map((l, i) => text(b.x + 14, b.y + 64 + i * 20, l, 'fill="#333"')),
  ];
  if (initial) parts.push(`<circle cx="${b.x + 30}" cy="${b.y - 40}" r="7" fill="#222"/>`, line(b.x + 30, b.y - 33, b.x + 30, b.y));
  return parts.join('\n');
}

function line(x1: number, y1: number, x2: number, y2: number, colour = '#333'): string {
  return `<path d="M${x1},${y1} L${x2},${y2}" stroke="${colour}" stroke-width="1.8" fill="none" marker-end="url(#arrow)"/>`;
}

/** Event and [guard] stacked just above the arrow at height y, centred on x. */
function edgeLabel(x: number, y: number, e: Edge): string {
  const guard = e.guard ? text(x, y - 7, `[${e.guard}]`, 'text-anchor="middle" fill="#6a1b9a"') : '';
  return text(x, y - (e.guard ? 24 : 7), e.event, 'text-anchor="middle" fill="#111"') + guard;
}

/** Arrows between neighbouring boxes run straight across the gap, stacked; others loop below. */
function drawEdges(edges: Edge[], boxes: Map<string, Box>): { svg: string; bottom: number } {
  const out: string[] = [];
  const rows = new Map<string, number>();
  let below = 0;
  let bottom = Math.max(...[...boxes.values()].map((b) => b.y + b.h));
  for (const e of edges) {
    const [a, b] = [boxes.get(e.from), boxes.get(e.to ?? '')];
    if (!a || !b || a === b) continue;
    const [left, right] = a.x < b.x ? [a, b] : [b, a];
    const gap = right.x - (left.x + left.w);
    const adjacent = [...boxes.values()].every((o) => o.x <= left.x || o.x >= right.x);
    if (adjacent) {
      const key = left.name + right.name;
      const row = (rows.get(key) ?? 0) + 1;
      rows.set(key, row);
      const y = a.y + row * ROW - 10;
      const [x1, x2] = a === left ? [left.x + left.w, right.x] : [right.x, left.x + left.w];
      out.push(line(x1, y, x2 + (x2 > x1 ? -2 : 2), y), edgeLabel(left.x + left.w + gap / 2, y, e));
    } else {
      const y = a.y + a.h + 62 + below++ * 50;
      bottom = Math.max(bottom, y + 20);
      const [sx, tx] = [a.x + a.w / 2, b.x + b.w / 2];
      out.push(
        `<path d="M${sx},${a.y + a.h} V${y} H${tx} V${b.y + b.h + 2}" stroke="#333" stroke-width="1.8" fill="none" marker-end="url(#arrow)"/>`,
      );
      out.push(edgeLabel((sx + tx) / 2, y, e));
    }
  }
  return { svg: out.join('\n'), bottom };
}

/** Root-level transitions: arrows from an "any state" marker; root self-loops listed beside it. */
function drawRoot(edges: Edge[], boxes: Map<string, Box>): string {
  const targets = edges.filter((e) => e.to && boxes.has(e.to));
  const xs = targets.map((e) => boxes.get(e.to!)!).map((b) => b.x + b.w / 2);
  const mx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const my = 50;
  const out = [
    `<circle cx="${mx}" cy="${my}" r="9" fill="none" stroke="#222" stroke-width="2.5" stroke-dasharray="3 2"/>`,
    text(mx + 16, my - 14, 'any state', 'font-style="italic" fill="#444"'),
  ];
  edges.filter((e) => !e.to).forEach((e, i) => out.push(text(mx + 16, my + 5 + i * 18, loopText(e), 'fill="#333"')));
  for (const e of targets) {
    const b = boxes.get(e.to!)!;
    const tx = b.x + b.w / 2 + (b.x + b.w / 2 < mx ? 60 : -60);
    out.push(line(mx, my + 9, tx, b.y - 2, '#1565c0'));
    const anchor = tx < mx ? 'end' : 'start';
    out.push(text((mx + tx) / 2 + (tx < mx ? -10 : 10), (my + b.y) / 2 + 10, label(e), `text-anchor="${anchor}" fill="#1565c0"`));
  }
  return out.join('\n');
}

function buildSvg(): string {
  const root = breakerMachine.root;
  const names = Object.keys(root.states);
  const stateEdges = Object.values(root.states).flatMap(edgesOf);
  const { boxes, width } = layout(names, stateEdges);
  const arrows = drawEdges(stateEdges, boxes);
  const height = arrows.bottom + 20;
  const body = [drawRoot(edgesOf(root), boxes), ...names.map((n) => drawBox(boxes.get(n)!, root.initial.target[0]?.key === n)), arrows.svg].join(
    '\n',
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
<path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>
<rect width="100%" height="100%" fill="#fff"/>
${text(20, 26, `machine "${breakerMachine.id}" (src/machines/breaker.ts)`, 'fill="#777"')}
${text(width - 20, 26, 'inside a box: event [guard] / actions, handled without leaving the state', 'fill="#777" text-anchor="end"')}
${body}
</svg>`;
}

async function screenshot(svg: string, file: string): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'render-machine-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    deviceScaleFactor: 2,
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
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`);
    await page.locator('svg').first().screenshot({ path: file });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const svg = buildSvg();
writeFileSync(join(OUT, 'breaker-machine.svg'), svg + '\n');
await screenshot(svg, join(OUT, 'breaker-machine.png'));
console.log(`wrote ${join(OUT, 'breaker-machine.svg')} and ${join(OUT, 'breaker-machine.png')}`);
