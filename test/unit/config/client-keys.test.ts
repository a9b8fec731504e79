import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { clientKeyEntries } from '../../../src/config/client-keys-schema.js';
import { configProblems } from '../../helpers/config.js';

const backends = [{ id: 'a', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'sk-a' }] }];
const problemsOf = (apiKeys: unknown) => configProblems(() => parseConfig({ server: { apiKeys }, backends }));

describe('server.apiKeys entries', () => {
  it('takes plain keys (known as key-<n>) and { id, key, limits } entries', () => {
    const config = parseConfig({
      server: { apiKeys: ['plain-key-0001', { id: 'alice', key: 'alice-key-0002', limits: { rpm: 60, tokensPerDay: 1000 } }] },
      backends,
    });
    expect(clientKeyEntries(config.server.apiKeys)).toEqual([
      { id: 'key-1', key: 'plain-key-0001' },
      { id: 'alice', key: 'alice-key-0002', limits: { rpm: 60, tokensPerDay: 1000 } },
    ]);
  });

  it('names the bad field: duplicate ids, bad ids, short keys, unknown or non-positive limits', () => {
    expect(problemsOf([{ id: 'key-2', key: 'first-key-0001' }, 'second-key-0002'])).toEqual(['server.apiKeys[1]: duplicate client key id "key-2"']);
    expect(problemsOf([{ id: 'no spaces', key: 'a-key-00000001' }])[0]).toMatch(/^server\.apiKeys\[0\]\.id: expected 1-64 letters/);
    expect(problemsOf([{ id: 'a', key: 'short' }])[0]).toMatch(/^server\.apiKeys\[0\]\.key: expected 8-512 visible ASCII/);
    expect(problemsOf([{ id: 'a', key: 'a-key-00000001', limits: { rpm: 0 } }])[0]).toMatch(/^server\.apiKeys\[0\]\.limits\.rpm/);
    expect(problemsOf([{ id: 'a', key: 'a-key-00000001', limits: { perHour: 5 } }])[0]).toMatch(/^server\.apiKeys\[0\]\.limits/);
  });
});
