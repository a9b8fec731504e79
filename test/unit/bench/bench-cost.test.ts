import { describe, expect, it } from 'vitest';
import { idleFigure } from '../../../bench/idle.js';
import { CATEGORIES, categoryOf, EVENT_LOOP, summariseByCategory, type CpuProfile } from '../../../bench/lib/categories.js';
import { FB1, FB_FLEET, PT } from '../../../bench/names.js';
import { verdicts } from '../../../bench/report.js';
import { costTables } from '../../../bench/report-cost.js';

/** The pure parts of the bench's cost-of-a-request figures: profile categories, the idle verdict, the counted table. */
describe('bench cost of a request', () => {
  it('puts each profile position in one category, logging and metrics files of fusebox under logging and metrics', () => {
    expect(categoryOf('(idle)', '(native)')).toBeNull();
    expect(categoryOf('(garbage collector)', '(native)')).toBe('GC');
    expect(categoryOf('(program)', '(native)')).toBe('node');
    expect(categoryOf('writev', '(native)')).toBe('node');
    expect(categoryOf('emit', 'node:events')).toBe('node');
    expect(categoryOf('_resume', 'node_modules/undici/lib/dispatcher/client.js:589')).toBe('undici');
    expect(categoryOf('wasm-function[20]', 'wasm://wasm/00034eea')).toBe('undici');
    expect(categoryOf('write', 'node_modules/sonic-boom/index.js:10')).toBe('logging');
    expect(categoryOf('asJson', 'node_modules/pino/lib/tools.js:1')).toBe('logging');
    expect(categoryOf('redact', 'node_modules/@pinojs/redact/index.js:1')).toBe('logging');
    expect(categoryOf('inc', 'node_modules/prom-client/lib/counter.js:1')).toBe('metrics');
    expect(categoryOf('send', 'node_modules/xstate/dist/x.cjs.js:1')).toBe('other libraries');
    expect(categoryOf('line', 'src/app/request-line.ts:12')).toBe('logging');
    expect(categoryOf('log', 'src/shared/log-sink.ts:3')).toBe('logging');
    expect(categoryOf('count', 'src/http/admin/token-metrics.ts:3')).toBe('metrics');
    expect(categoryOf('count', 'dist/src/http/admin/metrics.js:3')).toBe('metrics');
    expect(categoryOf('answerWhole', 'src/routing/attempt.ts:91')).toBe('fusebox files');
    expect(categoryOf('forward', 'bench/servers/passthrough.ts:12')).toBe("pass-through's own code");
    expect(categoryOf('x', 'elsewhere/file.js:1')).toBe('unattributed');
  });

  it('sums the self time of the samples inside the window only, idle apart', () => {
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
    const profile: CpuProfile = {
      startTime: 1000,
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5] },
        { id: 2, callFrame: frame('(idle)') },
        { id: 3, callFrame: frame('_resume', 'file:///x/node_modules/undici/lib/client.js') },
        { id: 4, callFrame: frame('(garbage collector)') },
        { id: 5, callFrame: frame('emit', 'node:events') },
      ],
      // Sample times 1100, 1200, 1300, 1400, 1500, 1600.
      samples: [5, 3, 2, 4, 3, 5],
      timeDeltas: [100, 100, 100, 100, 100, 100],
    };
    const summary = summariseByCategory(profile, '/x', 1200, 1500);
    expect(summary).toMatchObject({ busyUs: 300, idleUs: 100 });
    expect(summary.byCategory.undici).toBe(200);
    expect(summary.byCategory.GC).toBe(100);
    expect(summary.byCategory.node).toBe(0);
  });

  it("sums fusebox's own self time by source folder, logging and metrics files left to their categories", () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
    const profile: CpuProfile = {
      startTime: 0,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4, 5] },
        { id: 2, callFrame: frame('handle', 'file:///x/src/http/server/server.ts') },
        { id: 3, callFrame: frame('chooseRoute', 'file:///x/src/routing/plan.ts') },
        { id: 4, callFrame: frame('runAttempt', 'file:///x/src/routing/attempt.ts') },
        { id: 5, callFrame: frame('requestLine', 'file:///x/src/app/request-line.ts') },
      ],
      samples: [2, 3, 4, 4, 5],
      timeDeltas: [10, 20, 30, 30, 50],
    };
    const summary = summariseByCategory(profile, '/x', 0, 1000);
    expect(summary.ownByFolder).toEqual({ 'src/http/server': 10, 'src/routing': 80 });
    expect(summary.byCategory['fusebox files']).toBe(90);
    expect(summary.byCategory.logging).toBe(50);
  });

  it("splits node's self time by the category of the nearest caller outside node, the event loop when none", () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
    const profile: CpuProfile = {
      startTime: 0,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 7] },
        { id: 2, callFrame: frame('respond', 'file:///x/src/http/server/response-sink.ts'), children: [3] },
        { id: 3, callFrame: frame('end', 'node:_http_outgoing'), children: [4] },
        { id: 4, callFrame: frame('writev', '') },
        { id: 5, callFrame: frame('writeH1', 'file:///x/node_modules/undici/lib/dispatcher/client-h1.js'), children: [6] },
        { id: 6, callFrame: frame('writev', '') },
        { id: 7, callFrame: frame('processTicksAndRejections', 'node:internal/process/task_queues'), children: [8] },
        { id: 8, callFrame: frame('runMicrotasks', '') },
      ],
      samples: [4, 3, 6, 8, 7, 1],
      timeDeltas: [10, 5, 20, 40, 1, 2],
    };
    const summary = summariseByCategory(profile, '/x', 0, 1000);
    expect(summary.nodeByAsker).toEqual({ 'fusebox files': 15, undici: 20, [EVENT_LOOP]: 43 });
    expect(summary.byCategory.node).toBe(78);
    expect(summary.nodeByFunction).toEqual({
      'writev (native)': 30,
      'end node:_http_outgoing': 5,
      'runMicrotasks (native)': 40,
      'processTicksAndRejections node:internal/process/task_queues': 1,
      '(root) (native)': 2,
    });
  });

  it('judges CPU per idle second against the pass-through from schedstat', () => {
    const counters = (cpuUs: number, runUs: number, switches: number) => ({ cpuUs, runUs, switches, threads: 7 });
    const fb = idleFigure(counters(0, 1000, 10), counters(10_000, 4000, 40), 10);
    const pt = idleFigure(counters(0, 0, 0), counters(0, 2000, 20), 10);
    expect(fb).toMatchObject({ cpuMsPerS: 1, runMsPerS: 0.3, wakeupsPerS: 3, threads: 7 });
    const idle = new Map([
      [PT, pt],
      [FB1, fb],
    ]);
    const verdict = verdicts({ idle }).find((v) => v.target.includes('idle second'))!;
    expect(verdict).toMatchObject({ ok: true, measured: '1.50× (0.300 vs 0.200 ms per s; wake-ups 3.0 vs 2.0 per s)' });
    const busier = new Map([
      [PT, pt],
      [FB1, { ...fb, runMsPerS: 0.5 }],
    ]);
    expect(verdicts({ idle: busier }).find((v) => v.target.includes('idle second'))).toMatchObject({ ok: false, miss: '0.50× over' });
    const silent = new Map([
      [PT, { ...pt, runMsPerS: 0 }],
      [FB1, fb],
    ]);
    const never = verdicts({ idle: silent }).find((v) => v.target.includes('idle second'))!;
    expect(never.ok).toBe(false);
    expect(never.measured.startsWith('∞')).toBe(true);
  });

  it("tabulates fusebox's own time by folder, largest first, in µs per request beside the gap to the pass-through", () => {
    const byCategory = (own: number, node: number) => ({ ...Object.fromEntries(CATEGORIES.map((c) => [c, 0])), 'fusebox files': own, node }) as never;
    const profile = (own: number, node: number, ownByFolder: Record<string, number>) => ({
      byCategory: byCategory(own, node),
      ownByFolder,
      nodeByAsker: {},
      nodeByFunction: {},
      busyUs: own + node,
      idleUs: 0,
      requests: 100,
      errors: 0,
      windowUs: 1e6,
      file: 'x',
    });
    const fb = profile(3000, 7000, { 'src/routing': 1000, 'src/http/server': 2000 });
    const pt = profile(0, 8000, {});
    const table = costTables({
      profile: new Map([
        [FB1, fb],
        [PT, pt],
      ]),
    }).find((t) => t.title.startsWith("fusebox's own code by folder"))!.table;
    expect(table.rows).toEqual([
      ['src/http/server', '20.0', '20.0'],
      ['src/routing', '10.0', '10.0'],
      ['all fusebox files', '30.0', '30.0'],
    ]);
  });

  it("tabulates node's time by asker and its functions by fusebox's excess over the pass-through, largest first", () => {
    const byCategory = (node: number) => ({ ...Object.fromEntries(CATEGORIES.map((c) => [c, 0])), node }) as never;
    const profile = (requests: number, nodeByAsker: Record<string, number>, nodeByFunction: Record<string, number>) => ({
      byCategory: byCategory(Object.values(nodeByAsker).reduce((a, b) => a + b, 0)),
      ownByFolder: {},
      nodeByAsker,
      nodeByFunction,
      busyUs: 1,
      idleUs: 0,
      requests,
      errors: 0,
      windowUs: 1e6,
      file: 'x',
    });
    const fb = profile(100, { [EVENT_LOOP]: 3000, undici: 1500, 'fusebox files': 900 }, { 'writev (native)': 3000, 'runMicrotasks (native)': 900 });
    const pt = profile(200, { [EVENT_LOOP]: 4000, undici: 3000 }, { 'writev (native)': 5000, 'emit node:events': 400 });
    const tables = costTables({
      profile: new Map([
        [FB1, fb],
        [PT, pt],
      ]),
    });
    expect(tables.find((t) => t.title.startsWith("node's time by what asked for it"))!.table.rows).toEqual([
      [EVENT_LOOP, '30.0', '20.0', '10.0'],
      ['fusebox files', '9.0', '0.0', '9.0'],
      ['undici', '15.0', '15.0', '0.0'],
      ['all node', '54.0', '35.0', '19.0'],
    ]);
    expect(tables.find((t) => t.title.includes('node functions'))!.table.rows).toEqual([
      ['`runMicrotasks (native)`', '9.00', '0.00', '9.00'],
      ['`writev (native)`', '30.00', '25.00', '5.00'],
      ['`emit node:events`', '0.00', '2.00', '-2.00'],
    ]);
  });

  it('tabulates the counted costs per request of both fusebox shapes against the pass-through', () => {
    const count = (promises: number, kb: number, gcsPer1000: number) => ({ promises, kb, gcsPer1000, cpuUs: 0, kInstructions: null });
    const cost = {
      requests: 2000,
      passthrough: count(0, 16, 2),
      fusebox: new Map([
        [FB1, count(35, 48, 4)],
        [FB_FLEET, count(36, 64, 5)],
      ]),
    };
    const table = costTables({ cost }).find((t) => t.title.startsWith('Per request, counted'))!.table;
    expect(table.head).toEqual(['measure', 'pass-through', FB1, '× pass-through', FB_FLEET, '× pass-through']);
    expect(table.rows).toEqual([
      ['promises', '0.0', '35.0', '–', '36.0', '–'],
      ['KB allocated (JS heap)', '16.0', '48.0', '3.00×', '64.0', '4.00×'],
      ['GCs per 1000 requests', '2.0', '4.0', '2.00×', '5.0', '2.50×'],
    ]);
  });
});
