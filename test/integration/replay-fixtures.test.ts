import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replayLog, type TimelineEntry } from '../../src/replay/replay.js';
import { credentialOf } from '../../src/machines/breaker.js';
import { formatReplay } from '../../src/replay/replay-format.js';
import { runCli } from '../helpers/cli.js';

/** The recorded fixtures (test/fixtures/record-fixtures.ts) replay to the transitions they recorded. */
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}.ndjson`, import.meta.url));
const read = (name: string) => readFileSync(fixture(name), 'utf8');

function changes(timeline: readonly TimelineEntry[], actor: string): string[] {
  return timeline.filter((e) => e.actor === actor).map((e) => `${e.from} → ${e.to}`);
}

describe('replaying recorded fixtures', () => {
  it('backend-recovery: alpha opens after 3 failures, half-opens at its deadline, closes on a probe', () => {
    const { timeline, final } = replayLog(read('backend-recovery'));
    for (const actor of ['backend:alpha', 'baseurl:alpha:0']) {
      expect(changes(timeline, actor)).toEqual(['closed → open', 'open → half_open', 'half_open → closed']);
    }
    const opened = timeline.find((e) => e.actor === 'backend:alpha' && e.to === 'open')!;
    const halfOpen = timeline.find((e) => e.actor === 'backend:alpha' && e.to === 'half_open')!;
    expect(opened.why).toBe('3 consecutive failures (last: http_503)');
    expect(halfOpen.at - opened.at).toBeGreaterThanOrEqual(400);
    expect(final['backend:alpha']?.state).toBe('closed');
    expect(changes(timeline, 'backend:beta')).toEqual([]);
  });

  it('flapping-baseurl: open, probe fails, re-open, close, open again for longer, close', () => {
    const { timeline, final } = replayLog(read('flapping-baseurl'));
    expect(changes(timeline, 'baseurl:alpha:0')).toEqual([
      'closed → open',
      'open → half_open',
      'half_open → open',
      'open → half_open',
      'half_open → closed',
      'closed → open',
      'open → half_open',
      'half_open → closed',
    ]);
    expect(timeline.find((e) => e.actor === 'baseurl:alpha:0' && e.from === 'half_open' && e.to === 'open')?.why).toBe('probe failed (http_503)');
    expect(final['baseurl:alpha:0']?.state).toBe('closed');
  });

  it('credential-429: one credential cools down for its Retry-After, the pool stays closed', () => {
    const { timeline, final } = replayLog(read('credential-429'));
    const cooling = timeline.filter((e) => e.kind === 'credential');
    expect(cooling).toEqual([
      expect.objectContaining({ actor: 'pool:alpha:default', subject: 'key-one', to: 'cooling down', why: 'http_429 until +2000ms' }),
    ]);
    const pool = final['pool:alpha:default']!;
    expect(pool.state).toBe('closed');
    expect(credentialOf(pool.context, 'key-one')?.cooldownUntil).toBe(cooling[0]!.at + 2_000);
    expect(credentialOf(pool.context, 'key-two')?.health.recent.every(Boolean)).toBe(true);
  });

  it('capacity-fallback: the claude pool opens for the hinted 30 s; gemini serves', () => {
    const { timeline, final } = replayLog(read('capacity-fallback'));
    expect(timeline.filter((e) => e.kind === 'breaker').map((e) => `${e.actor}: ${e.from} → ${e.to}`)).toEqual(['pool:c:claude: closed → open']);
    const pool = final['pool:c:claude']!;
    expect(pool.context.openUntil! - pool.context.lastTransition!.at).toBe(30_000);
    expect(final['pool:g:gemini']?.context.health.recent.length).toBeGreaterThan(0);
  });

  it('prints byte-identical output for the same log, as a library and from the CLI', async () => {
    for (const name of ['backend-recovery', 'flapping-baseurl', 'credential-429', 'capacity-fallback']) {
      const text = read(name);
      expect(formatReplay(replayLog(text))).toBe(formatReplay(replayLog(text)));
      expect(formatReplay(replayLog(text), true)).toBe(formatReplay(replayLog(text), true));
    }
    const runs = [runCli(['replay', fixture('flapping-baseurl')]), runCli(['replay', fixture('flapping-baseurl')])];
    expect(await Promise.all(runs.map((run) => run.exited))).toEqual([0, 0]);
    expect(runs[0]!.stdout()).toBe(runs[1]!.stdout());
    expect(runs[0]!.stdout()).toBe(formatReplay(replayLog(read('flapping-baseurl'))));
  });

  it('stops at --until: an offset from the start of the log', async () => {
    const full = replayLog(read('backend-recovery'));
    const opened = full.timeline.find((e) => e.to === 'open')!;
    const until = `+${opened.at - full.startedAt}ms`;
    const run = runCli(['replay', fixture('backend-recovery'), '--until', until, '--json']);
    expect(await run.exited).toBe(0);
    const partial = JSON.parse(run.stdout()) as { final: Record<string, { state: string }>; timeline: TimelineEntry[] };
    expect(partial.final['backend:alpha']?.state).toBe('open');
    expect(partial.timeline.some((e) => e.to === 'half_open')).toBe(false);
  });
});
