import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseConfig, parseConfigText } from '../../../src/config/load.js';
import { clusterSecrets, redactedRedisUrl } from '../../../src/config/cluster-schema.js';
import { loggerOptions } from '../../../src/shared/log.js';
import { configSecrets, createGrowingScrubber } from '../../../src/shared/secret-scrub.js';
import { configProblems } from '../../helpers/config.js';

const backends = [{ id: 'a', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'sk-a-secret' }] }];

describe('config: cluster', () => {
  it('is absent by default and takes its defaults when given a Redis URL', () => {
    expect(parseConfig({ backends }).cluster).toBeUndefined();
    expect(parseConfig({ backends, cluster: { redisUrl: 'redis://127.0.0.1:6379' } }).cluster).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'fusebox',
      permitWaitMs: 100,
      permitLeaseMs: 60_000,
      streamMaxLength: 10_000,
    });
  });

  it('names the bad field', () => {
    expect(configProblems(() => parseConfig({ backends, cluster: { redisUrl: 'http://127.0.0.1:6379' } }))).toEqual([
      expect.stringContaining('cluster.redisUrl'),
    ]);
    expect(configProblems(() => parseConfig({ backends, cluster: { redisUrl: 'redis://h', keyPrefix: 'a b' } }))[0]).toContain('cluster.keyPrefix');
  });

  it('takes the password from the environment', () => {
    const text =
      'cluster: { redisUrl: "redis://:${REDIS_PASSWORD}@127.0.0.1:6379" }\nbackends:\n  - { id: a, baseUrls: ["http://127.0.0.1:1/v1"], credentials: [{ apiKey: sk-a }] }\n';
    expect(parseConfigText(text, { REDIS_PASSWORD: 'from-the-env-123' }).cluster?.redisUrl).toBe('redis://:from-the-env-123@127.0.0.1:6379');
  });

  it('counts the URL password among the secrets: scrubbed from every log line, and never shown', () => {
    const config = parseConfig({ backends, cluster: { redisUrl: 'redis://fusebox:p%40ss-word-1234@10.0.0.5:6379/0' } });
    expect(clusterSecrets(config.cluster)).toEqual(['p@ss-word-1234', 'p%40ss-word-1234']);
    expect(redactedRedisUrl(config.cluster!.redisUrl)).toBe('redis://fusebox:redacted@10.0.0.5:6379/0');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = pino(loggerOptions(createGrowingScrubber(configSecrets(config))), sink);
    logger.info({ redisUrl: config.cluster!.redisUrl, note: `connect to ${config.cluster!.redisUrl}` }, 'p@ss-word-1234');
    expect(lines.join('')).not.toContain('ss-word-1234');
  });
});
