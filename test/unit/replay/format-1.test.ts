import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialOf } from '../../../src/machines/breaker.js';
import { upgradeEvent } from '../../../src/replay/event-upgrade.js';
import { replayLog } from '../../../src/replay/replay.js';
import { formatReplay } from '../../../src/replay/replay-format.js';

/**
 * test/fixtures/format-1-isolation.ndjson was recorded by fusebox e321792 (event log format 1:
 * a credential's 429 / 401 as `call.failed` with `cooldownUntil` / `disable`, isolation as
 * `open` plus a flag); format-1-isolation.replay-e321792.txt is what that fusebox's
 * `fusebox replay` printed for it.
 */
const fixtures = join(import.meta.dirname, '../../fixtures');
const log = readFileSync(join(fixtures, 'format-1-isolation.ndjson'), 'utf8');
const printedThen = readFileSync(join(fixtures, 'format-1-isolation.replay-e321792.txt'), 'utf8');

describe('replaying a format-1 event log', () => {
  it('prints what fusebox printed then, except that isolation is now named as the state it is', () => {
    const expected = printedThen
      .replace('closed → open         isolated by operator', 'closed → isolated     isolated by operator')
      .replace('open → half_open      released by operator', 'isolated → half_open  released by operator');
    expect(formatReplay(replayLog(log))).toBe(expected);
  });

  it('ends in the same states: the cooled-down and the disabled key, the permit given back', () => {
    const { final } = replayLog(log);
    expect(final['backend:a']).toMatchObject({ state: 'closed', context: { isolated: false } });
    const pool = final['pool:a:default']!;
    expect(pool).toMatchObject({ state: 'half_open', context: { probesInFlight: 0 } });
    expect(credentialOf(pool.context, 'k2')?.disabled).toBe('http_401');
    expect(credentialOf(pool.context, 'k1')?.cooldownStreak).toBe(2);
  });

  it('migrates the old credential failures to their own events', () => {
    const base = { at: 1, probe: true, code: 'http_429', credentialId: 'k' };
    expect(upgradeEvent({ type: 'call.failed', ...base, cooldownUntil: 9 } as never)).toEqual({
      type: 'credential.rate_limited',
      ...base,
      cooldownUntil: 9,
    });
    expect(upgradeEvent({ type: 'call.failed', ...base, code: 'http_401', disable: true } as never)).toEqual({
      type: 'credential.rejected',
      ...base,
      code: 'http_401',
    });
    const endpoint = { type: 'call.failed' as const, at: 1, probe: false, code: 'http_503', latencyMs: 5 };
    expect(upgradeEvent(endpoint)).toBe(endpoint);
  });
});
