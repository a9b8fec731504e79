import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActorTree } from '../../../src/actors/actor-tree.js';
import { systemClock } from '../../../src/shared/clock.js';
import { startEventLog } from '../../../src/replay/event-log.js';
import type { BreakerInput } from '../../../src/machines/breaker.js';

const policy = { failureThreshold: 2, recoveryMs: 1_000, halfOpenProbes: 1 };
const layout: BreakerInput[] = [{ id: 'backend:a', role: 'backend', policy }];

describe('the event log recorder while idle', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.useRealTimers();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('arms its flush timer only while lines wait, and writes them when it fires', () => {
    vi.useFakeTimers();
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-log-'));
    dirs.push(dir);
    const file = join(dir, 'events.ndjson');
    const tree = createActorTree({ layout });
    const recorder = startEventLog({ file, tree, clock: systemClock, version: '9.9.9', flushMs: 500 });
    expect(vi.getTimerCount()).toBe(0);
    tree.send('backend:a', { type: 'call.failed', at: 10, probe: false, code: 'http_503' });
    tree.send('backend:a', { type: 'call.failed', at: 20, probe: false, code: 'http_503' });
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(500);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
    recorder.close();
    tree.stop();
  });
});
