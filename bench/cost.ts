import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildFusebox } from './lib/build.js';
import { countPerRequest, perRequest, type CostWindow } from './lib/cost.js';
import { startUpstream, type FuseboxShape } from './servers/targets.js';

/**
 * `npm run bench:cost [-- --shape 1x1x1|4x3x50] [--kind anthropic] [--requests N] [--instructions] [--head]`:
 * what one JSON request costs inside fusebox and inside the bare pass-through, counted rather
 * than timed (bench/lib/cost.ts): promises created, bytes allocated on the JS heap and, with
 * --instructions, machine instructions (valgrind's callgrind) per request. Builds the working
 * tree (or HEAD with --head); prints a table and one JSON line.
 */
const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: '1x1x1' },
    kind: { type: 'string' },
    requests: { type: 'string' },
    instructions: { type: 'boolean' },
    head: { type: 'boolean' },
  },
});

const instructions = values.instructions === true;
const requests = Number(values.requests ?? (instructions ? 400 : 4000));
const [backends, baseUrls, credentials] = values.shape.split('x').map(Number) as [number, number, number];
const label = `fusebox ${values.shape}${values.kind ? ` ${values.kind}` : ''}`;
const say = (line: string) => process.stderr.write(`${line}\n`);

const build = buildFusebox(values.head ? 'head' : 'tree', mkdtempSync(join(tmpdir(), 'fusebox-cost-build-')), say);
const upstream = await startUpstream(null);
try {
  const shape: FuseboxShape = { backends, baseUrls, credentials, ...(values.kind ? { kind: values.kind } : {}) };
  const result = await countPerRequest({
    root: build.root,
    origin: upstream.origin,
    shapes: [{ label, shape }],
    requests,
    warmup: instructions ? 300 : 3000,
    instructions,
    cpu: null,
    say,
  });
  report(result.passthrough, result.fusebox.get(label)!);
} finally {
  await upstream.stop();
}

function report(base: CostWindow, fusebox: CostWindow): void {
  const [a, b] = [perRequest(base, requests), perRequest(fusebox, requests)];
  const rows: (readonly [string, number | null, number | null])[] = [
    ['promises', a.promises, b.promises],
    ['KB allocated', a.kb, b.kb],
    ['GCs per 1000', a.gcsPer1000, b.gcsPer1000],
    ['CPU µs (timed)', a.cpuUs, b.cpuUs],
    ...(instructions ? ([['k instructions', a.kInstructions, b.kInstructions]] as const) : []),
  ];
  process.stdout.write(`per request (${requests} requests, ${label})\n`);
  process.stdout.write('| measure | pass-through | fusebox | × |\n| --- | ---: | ---: | ---: |\n');
  for (const [name, x, y] of rows) {
    const ratio = x && y !== null ? (y / x).toFixed(2) : '–';
    process.stdout.write(`| ${name} | ${(x ?? 0).toFixed(1)} | ${(y ?? 0).toFixed(1)} | ${ratio} |\n`);
  }
  process.stdout.write(`${JSON.stringify({ requests, passthrough: base, fusebox })}\n`);
}
