import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLine } from '../../../src/app/request-line.js';
import type { RequestSummary } from '../../../src/routing/handle-request.js';
import { directLine } from '../../../src/shared/log-direct.js';
import { loggerOptions } from '../../../src/shared/log.js';

const job = { id: 'req-1', model: 'gpt-"quoted"\u2028-é', stream: true };
const full: RequestSummary = {
  status: 200,
  outcome: 'success',
  backend: 'b',
  attempts: [
    { backend: 'a', baseUrl: 1, credential: 'k1', pool: 'big', model: 'small-model', outcome: 'http_500', ms: 3 },
    { backend: 'b', baseUrl: 0, credential: 'fp-0123', pool: 'small', outcome: 'success', ms: 12.5 },
  ],
  fallback: 'big->small',
  waitedMs: 40,
  sameModelWaitMs: 0,
  retryBudgetExhausted: false,
  skipped: [],
  considered: [],
};

/** What the line's members were when pino serialized the same object. */
function expected(summary: RequestSummary, ms: number) {
  const { skipped: _s, considered: _c, ...outcome } = summary;
  return { reqId: job.id, model: job.model, stream: job.stream, ...outcome, ms };
}

describe('the request line', () => {
  it('is the JSON of its members, every optional one included, the route decisions left out', () => {
    const members = JSON.parse(`{${requestLine(job, full, 55, (m) => m)}}`) as unknown;
    expect(members).toEqual(expected(full, 55));
  });

  it('leaves out what a summary does not have', () => {
    const bare: RequestSummary = { status: 503, outcome: 'no_route_available', backend: null, attempts: [], error: 'no_route_available' };
    const text = requestLine(job, bare, 1, (m) => m);
    expect(JSON.parse(`{${text}}`)).toEqual(expected(bare, 1));
    expect(text).not.toContain('waitedMs');
  });

  it("passes the client's model names through the scrubber: the request's and a fallback attempt's", () => {
    const members = JSON.parse(`{${requestLine(job, full, 1, () => '[redacted]')}}`) as { model: string; attempts: { model?: string }[] };
    expect(members.model).toBe('[redacted]');
    expect(members.attempts.map((a) => a.model)).toEqual(['[redacted]', undefined]);
  });
});

describe('a direct line', () => {
  function capture(level = 'info') {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    return { logger: pino({ level, ...loggerOptions() }, sink), lines };
  }

  it("has the shape of the logger's own lines: level, time, bindings, members, message", async () => {
    const { logger, lines } = capture();
    const child = logger.child({ component: 'gateway' });
    child.info({ reqId: 'r0' }, 'request');
    directLine(child, 'info', 'request')('"reqId":"r1"');
    await new Promise((resolve) => setImmediate(resolve));
    const [viaPino, direct] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(direct!)).toEqual(Object.keys(viaPino!));
    expect({ ...direct, time: 0 }).toEqual({ ...viaPino, reqId: 'r1', time: 0 });
    expect(lines[1]!.endsWith('}\n')).toBe(true);
  });

  it('is written only while its level is enabled', async () => {
    const { logger, lines } = capture('warn');
    const line = directLine(logger, 'info', 'request');
    line('"n":1');
    logger.level = 'info';
    line('"n":2');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([2]);
  });
});
