import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { strategiesOf } from '../../../src/routing/stream-resume.js';
import { configProblems } from '../../helpers/config.js';

describe('stream resume settings', () => {
  const backend = (extra: Record<string, unknown> = {}) => ({
    id: 'a',
    baseUrls: ['http://127.0.0.1:1/v1'],
    credentials: [{ apiKey: 'k' }],
    ...extra,
  });

  it('defaults: streams.resume on, every backend continues with prefill, then instruction', () => {
    const config = parseConfig({ backends: [backend()] });
    expect(config.streams.resume).toBe(true);
    expect(config.backends[0]!.continuation).toEqual({ strategies: ['prefill', 'instruction'], models: {} });
    expect(strategiesOf(config.backends[0]!, 'any')).toEqual(['prefill', 'instruction']);
  });

  it('takes a list, [] for off, or strategies with per-model-glob overrides (the first matching glob wins)', () => {
    const config = parseConfig({
      streams: { resume: false },
      backends: [
        backend({ id: 'a', continuation: ['instruction'] }),
        backend({ id: 'b', continuation: [] }),
        backend({ id: 'c', continuation: { models: { 'o1*': [], 'gpt-4o': ['instruction'] } } }),
      ],
    });
    expect(config.streams.resume).toBe(false);
    const [a, b, c] = config.backends;
    expect(strategiesOf(a!, 'm')).toEqual(['instruction']);
    expect(strategiesOf(b!, 'm')).toEqual([]);
    expect(strategiesOf(c!, 'o1-mini')).toEqual([]);
    expect(strategiesOf(c!, 'gpt-4o')).toEqual(['instruction']);
    expect(strategiesOf(c!, 'other')).toEqual(['prefill', 'instruction']);
  });

  it('names the bad field', () => {
    expect(configProblems(() => parseConfig({ backends: [backend({ continuation: ['guess'] })] })).join('\n')).toContain(
      'backends[0].continuation.strategies[0]: Invalid option',
    );
    expect(configProblems(() => parseConfig({ backends: [backend({ continuation: ['prefill', 'prefill'] })] })).join('\n')).toContain(
      'each strategy at most once',
    );
    expect(configProblems(() => parseConfig({ streams: { resume: 'yes' }, backends: [backend()] })).join('\n')).toContain('streams.resume');
  });
});
