import { appended, f, inParens, paired, roundsOf, times } from './lib/paired.js';
import { FB1, FB_FLEET, FB_TRANSLATED, PT } from './names.js';
import type { Figures, Verdict } from './report.js';
import { RESUME_OFF, RESUME_ON, type StreamCpuFigure } from './streams-cpu.js';

/**
 * The CPU-per-request verdicts (issue 18's and issue 15's targets), each a ratio made round by
 * round: same-protocol JSON against the pass-through (≤ 1.5×, 1×1×1 and 4×3×50 within 10% of each
 * other), translated JSON against the pass-through (≤ 2.5×), and streams with resume on against off.
 */
export function cpuVerdicts(fig: Figures): Verdict[] {
  const out: Verdict[] = [];
  const pt = fig.throughput?.get(PT);
  for (const [name, limit, profile] of [
    [FB1, 1.5, 'one'],
    [FB_FLEET, 1.5, 'fleet'],
    [FB_TRANSLATED, 2.5, undefined],
  ] as const) {
    const fb = fig.throughput?.get(name);
    if (!pt?.cpuUs || !fb?.cpuUs) continue;
    const ratio = paired(fb.byRound?.cpuUs, pt.byRound?.cpuUs, (m, b) => m / b, fb.cpuUs / pt.cpuUs);
    out.push({
      target: `${name} JSON CPU per request ≤ ${f(limit, 1)}× pass-through`,
      measured: `${times(ratio.value)} (${f(fb.cpuUs, 0)} vs ${f(pt.cpuUs, 0)} µs${appended(roundsOf(ratio, times))})`,
      ok: ratio.value <= limit,
      miss: `${f((ratio.value - limit) * 100, 0)} points over ${f(limit, 1)}×`,
      ...(profile ? { profile } : {}),
    });
  }
  const one = fig.throughput?.get(FB1);
  const fleet = fig.throughput?.get(FB_FLEET);
  if (one?.cpuUs && fleet?.cpuUs) {
    const ratio = paired(fleet.byRound?.cpuUs, one.byRound?.cpuUs, (m, b) => m / b, fleet.cpuUs / one.cpuUs);
    out.push({
      target: `${FB_FLEET} CPU per request within 10% of ${FB1}`,
      measured: `${times(ratio.value)}${inParens(roundsOf(ratio, times))}`,
      ok: Math.abs(ratio.value - 1) <= 0.1,
      miss: `${f((Math.abs(ratio.value - 1) - 0.1) * 100, 0)} points outside ±10%`,
      profile: 'fleet',
    });
  }
  const on = fig.resume?.get(RESUME_ON);
  const off = fig.resume?.get(RESUME_OFF);
  if (on && off) {
    const ratio = paired(on.byRound.cpuUs, off.byRound.cpuUs, (m, b) => m / b, on.cpuUs / off.cpuUs);
    out.push({
      target: 'CPU per streamed request unchanged (±10%) with streams.resume true vs false',
      measured: `${times(ratio.value)} (${f(off.cpuUs, 0)} → ${f(on.cpuUs, 0)} µs${appended(roundsOf(ratio, times))})`,
      ok: Math.abs(ratio.value - 1) <= 0.1,
      miss: `${f((Math.abs(ratio.value - 1) - 0.1) * 100, 0)} points outside ±10%`,
    });
  }
  return out;
}

export function streamCpuTable(fig: Map<string, StreamCpuFigure>) {
  return {
    title: 'Proxy CPU per streamed request, streams.resume on and off (32 concurrent streams of 20 chunks 5 ms apart)',
    table: {
      head: ['target', 'proxy CPU µs/stream', 'streams', 'errors'],
      rows: [...fig].map(([n, s]) => [n, f(s.cpuUs, 0), String(s.streams), String(s.errors)]),
    },
  };
}
