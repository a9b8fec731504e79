import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from '../../../src/shared/log.js';
import { redactSecretFields } from '../../../src/shared/log-redact.js';
import { createGrowingScrubber, createScrubber } from '../../../src/shared/secret-scrub.js';

const CANARY = 'sk-canary-log-0a1b2c3d4e5f';
const CLIENT = 'fbx-client-canary-9z8y';

function capture(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, sink };
}

describe('log scrubbing', () => {
  it('removes configured secrets from every part of a line: messages, error messages, stacks, nested values', () => {
    const { lines, sink } = capture();
    const logger = pino({ level: 'debug', ...loggerOptions(createScrubber([CANARY, CLIENT])) }, sink);
    logger.error({ err: new Error(`upstream refused ${CANARY}`) }, 'attempt failed');
    logger.info({ detail: { deep: [`Bearer ${CLIENT}`] }, url: `https://x.example/v1?key=${encodeURIComponent(CANARY)}` }, `key ${CANARY}`);
    logger.child({ credential: CANARY }).warn('child bindings too');
    const text = lines.join('\n');
    expect(lines).toHaveLength(3);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(CLIENT);
    expect(text.match(/\[redacted\]/g)!.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('scrubs the secrets a growing scrubber learns after the logger was made (a config reload)', () => {
    const { lines, sink } = capture();
    const scrubber = createGrowingScrubber([CANARY]);
    const logger = pino(loggerOptions(scrubber), sink);
    logger.info(`before ${CLIENT}`);
    scrubber.add([CLIENT]);
    logger.info(`after ${CLIENT} and ${CANARY}`);
    expect(lines[0]).toContain(CLIENT);
    expect(lines[1]).not.toContain(CLIENT);
    expect(lines[1]).not.toContain(CANARY);
  });

  it('redacts credential headers and config key fields by name, whatever their value', () => {
    const { lines, sink } = capture();
    const logger = pino(loggerOptions(), sink);
    logger.info({
      headers: { authorization: 'Bearer a', 'x-api-key': 'b', 'x-goog-api-key': 'c', 'proxy-authorization': 'd', cookie: 'e', 'set-cookie': 'f' },
      config: { server: { apiKeys: ['g'] }, backends: [{ credentials: [{ apiKey: 'h' }] }] },
    });
    const logged = JSON.parse(lines[0]!) as {
      headers: Record<string, string>;
      config: { server: { apiKeys: unknown }; backends: { credentials: { apiKey: unknown }[] }[] };
    };
    expect(Object.values(logged.headers).every((v) => v === '[redacted]')).toBe(true);
    expect(logged.config.server.apiKeys).toBe('[redacted]');
    expect(logged.config.backends[0]!.credentials[0]!.apiKey).toBe('[redacted]');
  });
});

describe('redaction by field name', () => {
  it('returns an object without credential fields as it is, and copies only what it redacts', () => {
    const line = { reqId: 'r1', model: 'gpt', attempts: [{ backend: 'a', credential: 'fp-1', outcome: 'success', ms: 3 }], ms: 4 };
    expect(redactSecretFields(line)).toBe(line);
    const nested = { req: { headers: { authorization: 'Bearer x', accept: '*/*' } }, other: { keep: 1 } };
    const redacted = redactSecretFields(nested);
    expect(redacted.req.headers).toEqual({ authorization: '[redacted]', accept: '*/*' });
    expect(redacted.other).toBe(nested.other);
    expect(nested.req.headers.authorization).toBe('Bearer x');
  });
});
