import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createActorTree } from '../../../src/actors/actor-tree.js';
import { systemClock } from '../../../src/shared/clock.js';
import { EVENT_LOG_FORMAT, startEventLog } from '../../../src/replay/event-log.js';
import { replayLog } from '../../../src/replay/replay.js';
import { formatReplay } from '../../../src/replay/replay-format.js';
import type { BreakerInput } from '../../../src/machines/breaker.js';

const policy = { failureThreshold: 2, recoveryMs: 1_000, halfOpenProbes: 1 };
const layout: BreakerInput[] = [
  { id: 'backend:a', role: 'backend', policy },
  { id: 'pool:a:default', role: 'pool', policy, credentials: [{ id: 'k1' }, { id: 'k2' }] },
];

describe('event log recorder and replay', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function logFile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-log-'));
    dirs.push(dir);
    return join(dir, 'nested', 'events.ndjson');
  }

  it('writes a header at once, buffers events until a flush, and replays to the live states', () => {
    const file = logFile();
    const tree = createActorTree({ layout });
    const recorder = startEventLog({ file, tree, clock: systemClock, version: '9.9.9', flushMs: 60_000 });
    const header = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
    expect(header).toMatchObject({ format: EVENT_LOG_FORMAT, fusebox: '9.9.9', layout });
    expect(Object.keys(header.snapshots as object)).toEqual(['backend:a', 'pool:a:default']);

    tree.send('backend:a', { type: 'call.failed', at: 10, probe: false, code: 'http_503' });
    tree.send('backend:a', { type: 'call.failed', at: 20, probe: false, code: 'http_503' });
    tree.send('pool:a:default', {
      type: 'credential.rate_limited',
      at: 25,
      probe: false,
      code: 'http_429',
      credentialId: 'k1',
      cooldownUntil: 1_025,
    });
    tree.send('backend:a', { type: 'clock.tick', at: 1_020 });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    recorder.flush();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(5);
    tree.send('backend:a', { type: 'probe.start', at: 1_030 });
    tree.send('backend:a', { type: 'call.succeeded', at: 1_040, probe: true });
    recorder.close();
    tree.send('backend:a', { type: 'call.failed', at: 1_050, probe: false, code: 'late' }); // after close: not recorded
    const text = readFileSync(file, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(7);

    const result = replayLog(text, {});
    expect(result.timeline.filter((e) => e.kind !== 'session').map((e) => `${e.actor} ${e.from}→${e.to} ${e.why}`)).toEqual([
      'backend:a closed→open 2 consecutive failures (last: http_503)',
      'pool:a:default ready→cooling down http_429 until +1000ms',
      'backend:a open→half_open recovery deadline passed',
      'backend:a half_open→closed probe succeeded',
    ]);
    expect(result.final['pool:a:default']).toEqual(tree.view('pool:a:default'));
    const until = replayLog(text, { until: 1_020 });
    expect(until.final['backend:a']?.state).toBe('half_open');
    expect(formatReplay(until)).toBe(formatReplay(replayLog(text, { until: 1_020 })));
    tree.stop();
  });

  it('starts a new session when a config reload changes the fleet', () => {
    const file = logFile();
    const tree = createActorTree({ layout });
    const recorder = startEventLog({ file, tree, clock: systemClock, version: '1' });
    tree.send('backend:a', { type: 'call.failed', at: 10, probe: false, code: 'x' });
    tree.reconcile([...layout, { id: 'backend:b', role: 'backend', policy }], 0);
    tree.send('backend:b', { type: 'call.failed', at: 20, probe: false, code: 'y' });
    tree.send('backend:b', { type: 'call.failed', at: 30, probe: false, code: 'y' });
    recorder.close();
    const result = replayLog(readFileSync(file, 'utf8'));
    expect(result.sessions).toBe(2);
    expect(result.final['backend:b']).toEqual(tree.view('backend:b'));
    expect(result.final['backend:a']).toEqual(tree.view('backend:a'));
    tree.stop();
  });

  it('rejects what is not an event log', () => {
    expect(() => replayLog('')).toThrow(/no header line/);
    expect(() => replayLog('{"at":1,"actor":"x","event":{"type":"clock.tick","at":1}}\n{}\n')).toThrow(/before any header/);
  });
});
