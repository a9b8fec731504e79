import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_NAMES } from '../../../src/http/protocols/registry.js';

/**
 * Routing asks the protocols (src/http/protocols) what an upstream's error means; it never
 * names a protocol itself. The files of the context and same-model rules, and the attempt
 * loop, hold no protocol name as a string literal.
 */
const FILES = ['context-fallback.ts', 'same-model-retry.ts', 'handle-request.ts', 'model-pools.ts', 'fallback-job.ts', 'retry-hint.ts'];
const NAME = /(['"`])(openai|anthropic|gemini)\1/;

describe('routing names no protocol', () => {
  it.each(FILES)('src/routing/%s', (file) => {
    const text = readFileSync(new URL(`../../../src/routing/${file}`, import.meta.url), 'utf8');
    expect(text.split('\n').filter((line) => NAME.test(line))).toEqual([]);
  });

  it('every registered protocol has its own error recogniser', () => {
    const root = new URL('../../../src/http/protocols/', import.meta.url);
    expect(PROTOCOL_NAMES.length).toBeGreaterThanOrEqual(3);
    for (const name of PROTOCOL_NAMES) expect(readdirSync(new URL(`${name}/`, root))).toContain('context-errors.ts');
  });
});
