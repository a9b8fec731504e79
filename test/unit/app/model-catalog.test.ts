import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createModelCatalog } from '../../../src/app/model-catalog.js';
import { parseConfig } from '../../../src/config/load.js';
import type { BackendConfig, FuseboxConfig } from '../../../src/config/schema.js';
import { steppingClock } from '../../helpers/stepping-clock.js';

/** The catalog's schedule under a clock the test moves: when it lists, when a client waits, what it logs. */
describe('the model catalog', () => {
  const REFRESH = 3_600_000;

  function setup(refreshMs = REFRESH) {
    let config: FuseboxConfig = parseConfig({
      modelListing: { refreshMs, firstWaitMs: 5000 },
      backends: [{ id: 'glob', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'sk-x' }] }],
    });
    const lines: { msg: string; backend?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { msg: string });
        done();
      },
    });
    const calls: { resolve: (ids: string[]) => void; reject: (error: Error) => void; signal: AbortSignal }[] = [];
    const time = steppingClock();
    const catalog = createModelCatalog({
      clock: time.clock,
      logger: pino({ level: 'debug' }, sink),
      config: () => config,
      fetch: (_backend, signal) => new Promise((resolve, reject) => calls.push({ resolve, reject, signal })),
    });
    const backend = (): BackendConfig => config.backends[0]!;
    const reconfigure = (next: FuseboxConfig) => (config = next);
    return { catalog, calls, time, lines, backend, reconfigure };
  }

  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('waits for the first listing only, then answers from the cache while a refresh is in flight', async () => {
    const { catalog, calls, time, backend } = setup();
    const first = catalog.listed([backend()]);
    expect(calls).toHaveLength(1);
    calls[0]!.resolve(['m-1']);
    expect(await first).toEqual(new Map([['glob', ['m-1']]]));
    expect(await catalog.listed([backend()])).toEqual(new Map([['glob', ['m-1']]]));
    expect(calls).toHaveLength(1);
    expect(time.pending()).toEqual([REFRESH]);
    time.advance(REFRESH);
    expect(calls).toHaveLength(2);
    expect(await catalog.listed([backend()])).toEqual(new Map([['glob', ['m-1']]]));
    calls[1]!.resolve(['m-1', 'm-2']);
    await settle();
    expect(await catalog.listed([backend()])).toEqual(new Map([['glob', ['m-1', 'm-2']]]));
    catalog.close();
    expect(time.pending()).toEqual([]);
  });

  it('answers without a backend whose first listing takes longer than firstWaitMs', async () => {
    const { catalog, calls, time, backend } = setup();
    const first = catalog.listed([backend()]);
    await settle();
    expect(time.pending()).toEqual([5000]);
    time.advance(5000);
    expect(await first).toEqual(new Map());
    catalog.close();
    expect(calls[0]!.signal.aborted).toBe(true);
  });

  it('warns once while a backend keeps failing, retries within a minute, and says when it lists again', async () => {
    const { catalog, calls, time, lines, backend } = setup();
    const first = catalog.listed([backend()]);
    calls[0]!.reject(new Error('HTTP 500'));
    expect(await first).toEqual(new Map());
    expect(time.pending()).toEqual([60_000]);
    time.advance(60_000);
    calls[1]!.reject(new Error('HTTP 500'));
    await settle();
    const warnings = lines.filter((line) => line.msg.startsWith("could not list the upstream's models"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ backend: 'glob', reason: 'HTTP 500' });
    time.advance(60_000);
    calls[2]!.resolve(['m-1']);
    await settle();
    expect(lines.at(-1)).toMatchObject({ msg: 'the upstream lists its models again', backend: 'glob' });
    expect(time.pending()).toEqual([REFRESH]);
    expect(await catalog.listed([backend()])).toEqual(new Map([['glob', ['m-1']]]));
    catalog.close();
  });

  it('drops a backend the config no longer has at its next refresh', async () => {
    const { catalog, calls, time, backend, reconfigure } = setup();
    const first = catalog.listed([backend()]);
    calls[0]!.resolve(['m-1']);
    await first;
    reconfigure(parseConfig({ backends: [{ id: 'other', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'sk-y' }] }] }));
    time.advance(REFRESH);
    expect(calls).toHaveLength(1);
    expect(time.pending()).toEqual([]);
  });
});
