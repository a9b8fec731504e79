import { describe, expect, it } from 'vitest';
import { parseWrk } from '../../../bench/load/wrk.js';
import { alternate, median } from '../../../bench/lib/measure.js';
import { FB1, FB_FLEET, FB_TRANSLATED, KEYS_10, KEYS_10K, PT } from '../../../bench/names.js';
import { verdicts } from '../../../bench/report.js';
import { RESUME_OFF, RESUME_ON } from '../../../bench/streams-cpu.js';

/** The bench's pure parts: wrk's output, the A/B rotation, medians, and the target verdicts. */
const WRK_OUT = `Running 5s test @ http://127.0.0.1:1234/v1/chat/completions
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
  26461 requests in 5.00s, 10.09MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   5291.83
Transfer/sec:      2.02MB
`;

describe('bench helpers', () => {
  it('reads requests, rate and errors from wrk', () => {
    expect(parseWrk(WRK_OUT)).toEqual({ requests: 26461, rps: 5291.83, errors: 7 });
  });

  it('rotates the order of targets each round and takes medians', async () => {
    const order: string[] = [];
    const runs = await alternate(['a', 'b', 'c'], 3, (name, round) => {
      order.push(name);
      return Promise.resolve(round);
    });
    expect(order.join('')).toBe('abcbcacab');
    expect(runs.get('b')).toEqual([0, 1, 2]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
  });

  it('judges each target against the pass-through and says by how much a miss is', () => {
    const throughput = new Map([
      [PT, { rps: 1000, cpuUs: 100, errors: 0 }],
      [FB1, { rps: 950, cpuUs: 140, errors: 0 }],
      [FB_FLEET, { rps: 500, cpuUs: 200, errors: 0 }],
      [FB_TRANSLATED, { rps: 400, cpuUs: 240, errors: 0 }],
    ]);
    const credentials = new Map([
      [KEYS_10, { rps: 900, cpuUs: 100, errors: 0 }],
      [KEYS_10K, { rps: 800, cpuUs: 125, errors: 0 }],
    ]);
    const rss = new Map([[FB1, { idleMB: 80, peakMB: 120, heldMB: 110, streaming: 128, errors: 0 }]]);
    const list = verdicts({ throughput, credentials, rss, startup: [{ credentials: 10_000, readyMs: 1500 }] });
    const by = (prefix: string) => list.find((v) => v.target.startsWith(prefix))!;
    expect(by(`${FB1} JSON CPU`)).toMatchObject({ ok: true, measured: '1.40× (140 vs 100 µs)' });
    expect(by(`${FB_FLEET} JSON CPU`)).toMatchObject({ ok: false, miss: '50 points over 1.5×', profile: 'fleet' });
    expect(by(`${FB_FLEET} CPU per request within 10%`)).toMatchObject({ ok: false, measured: '1.43×', miss: '33 points outside ±10%' });
    expect(by(FB_TRANSLATED)).toMatchObject({ ok: true, measured: '2.40× (240 vs 100 µs)' });
    expect(by(FB_TRANSLATED).profile).toBeUndefined();
    expect(by('CPU per request flat')).toMatchObject({ ok: false, miss: '15 points over 1.10×' });
    expect(by('start with')).toMatchObject({ ok: true });
    expect(by('RSS')).toMatchObject({ ok: null });
  });

  it('compares fusebox with the pass-through round by round, so a slow spell of the machine does not decide a verdict', () => {
    // Round 2 was slow for everything: the pass-through's p99 jumped with fusebox's.
    const figure = (p99: number[]) => ({ p50: 1, p99: median(p99), errors: 0, byRound: { p99 } });
    const latency = new Map([
      [PT, figure([2.0, 9.0, 2.2])],
      [FB1, figure([2.5, 9.8, 6.0])],
    ]);
    const throughput = new Map([
      [PT, { rps: 1000, cpuUs: 100, errors: 0, byRound: { rps: [1000, 500, 1100], cpuUs: [100, 200, 95] } }],
      [FB1, { rps: 600, cpuUs: 160, errors: 0, byRound: { rps: [900, 460, 600], cpuUs: [110, 220, 160] } }],
    ]);
    const list = verdicts({ latency, throughput });
    const p99 = list.find((v) => v.target.startsWith('p99'))!;
    // Medians of the figures would say 6.0 − 2.2 = +3.8 ms; round by round: +0.5, +0.8, +3.8.
    expect(p99).toMatchObject({ ok: true, measured: '+0.80 ms (rounds +0.50, +0.80, +3.80)' });
    const ratio = list.find((v) => v.target.startsWith(FB1))!;
    // 160 / 100 = 1.6 from the medians; round by round 1.10, 1.10, 1.68.
    expect(ratio.measured).toBe('1.10× (160 vs 100 µs; rounds 1.10×, 1.10×, 1.68×)');
    expect(ratio.ok).toBe(true);
  });

  it('compares CPU per streamed request with streams.resume on and off round by round', () => {
    const figure = (cpuUs: number[]) => ({ cpuUs: median(cpuUs), streams: 900, errors: 0, byRound: { cpuUs } });
    const resume = new Map([
      [RESUME_ON, figure([300, 600, 420])],
      [RESUME_OFF, figure([290, 580, 300])],
    ]);
    const unchanged = verdicts({ resume }).find((v) => v.target.includes('streams.resume'))!;
    expect(unchanged).toMatchObject({ ok: true, measured: '1.03× (300 → 420 µs; rounds 1.03×, 1.03×, 1.40×)' });
    const dearer = new Map([
      [RESUME_ON, figure([350, 700, 360])],
      [RESUME_OFF, figure([290, 580, 300])],
    ]);
    expect(verdicts({ resume: dearer }).find((v) => v.target.includes('streams.resume'))).toMatchObject({
      ok: false,
      miss: '11 points outside ±10%',
    });
  });
});
