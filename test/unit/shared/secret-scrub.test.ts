import { describe, expect, it } from 'vitest';
import { configSecrets, createScrubber } from '../../../src/shared/secret-scrub.js';
import { parseConfig } from '../../../src/config/load.js';

describe('secret scrubber', () => {
  const scrubber = createScrubber(['sk-live-CANARY-0123456789', 'quote"back\\slash-key', 'short']);

  it('replaces every occurrence, in raw, JSON-escaped and URL-encoded spelling', () => {
    const line = JSON.stringify({ msg: 'failed: key sk-live-CANARY-0123456789 was refused', other: 'quote"back\\slash-key' });
    const out = scrubber.scrub(`${line} ?key=${encodeURIComponent('quote"back\\slash-key')} sk-live-CANARY-0123456789`);
    expect(out).not.toContain('CANARY');
    expect(out).not.toContain('slash-key');
    expect(out.match(/\[redacted\]/g)).toHaveLength(4);
    expect(JSON.parse(scrubber.scrub(line))).toEqual({ msg: 'failed: key [redacted] was refused', other: '[redacted]' });
  });

  it('leaves secrets shorter than 8 characters to path redaction', () => {
    expect(scrubber.scrub('a short word')).toBe('a short word');
    expect(scrubber.contains('x sk-live-CANARY-0123456789 y')).toBe(true);
    expect(scrubber.contains('nothing here')).toBe(false);
  });

  it('collects client keys and every credential from a config', () => {
    const config = parseConfig({
      server: {
        apiKeys: ['client-key-123456', { id: 'named', key: 'client-key-named-7890', limits: { rpm: 5 } }],
        adminToken: 'admin-token-0123456789',
      },
      backends: [{ id: 'a', baseUrls: ['http://127.0.0.1:1/v1'], credentials: [{ apiKey: 'k1-aaaaaaaa' }, { apiKey: 'k2-bbbbbbbb' }] }],
    });
    expect(configSecrets(config).sort()).toEqual([
      'admin-token-0123456789',
      'client-key-123456',
      'client-key-named-7890',
      'k1-aaaaaaaa',
      'k2-bbbbbbbb',
    ]);
  });

  it('finds any of 10,000 keys that share a prefix, and replaces overlapping secrets whole', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `sk-proj-${String(i).padStart(5, '0')}-tail-${i * 7919}`);
    const many = createScrubber(keys);
    const line = JSON.stringify({ msg: `upstream said ${keys[9876]} and ${keys[3]}`, ok: 'sk-proj-99999-not-a-key' });
    const out = many.scrub(line);
    expect(out).not.toContain(keys[9876]);
    expect(out).not.toContain(keys[3]);
    expect(out).toContain('sk-proj-99999-not-a-key');
    expect(many.contains(`x${keys[42]}y`)).toBe(true);
    expect(many.contains('sk-proj-00042-tail-0')).toBe(false);
    const nested = createScrubber(['outer-secret-inner-value', 'inner-value']);
    expect(nested.scrub('a outer-secret-inner-value b inner-value c')).toBe('a [redacted] b [redacted] c');
  });
});
