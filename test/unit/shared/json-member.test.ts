import { describe, expect, it } from 'vitest';
import { memberText, topLevelMembers, withMember } from '../../../src/shared/json-member.js';

const text = (body: Buffer | null) => body?.toString('utf8') ?? null;

describe('top-level JSON members, spliced', () => {
  it('replaces a member in place and leaves every other byte alone', () => {
    const body = Buffer.from('{ "a" : {"model":"inner"}, "model" : "old", "s":"x\\"}model" }');
    expect(text(withMember(body, 'model', '"new"'))).toBe('{ "a" : {"model":"inner"}, "model" : "new", "s":"x\\"}model" }');
  });

  it('adds a missing member first, also to an empty object', () => {
    expect(text(withMember(Buffer.from('{"a":1}'), 'stream', 'true'))).toBe('{"stream":true,"a":1}');
    expect(text(withMember(Buffer.from(' {} '), 'stream', 'true'))).toBe(' {"stream":true} ');
  });

  it('scans a 100,000-deep value without recursion', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = Buffer.from(`{"deep":${deep},"model":"m"}`);
    expect(memberText(body, 'model')).toBe('"m"');
    expect(text(withMember(body, 'model', '"n"'))).toBe(`{"deep":${deep},"model":"n"}`);
  });

  it('says null for what is not one JSON object', () => {
    for (const bad of ['[1]', '{"a":1', '{"a" 1}', '{"a":1} x', '{"a":"open}', '']) expect(topLevelMembers(Buffer.from(bad))).toBeNull();
    expect(withMember(Buffer.from('[]'), 'model', '"m"')).toBeNull();
  });

  it('reads plain keys by their bytes and refuses a key JSON would refuse (a raw control byte)', () => {
    expect(topLevelMembers(Buffer.from('{"modèl":1,"":2}'))?.map((m) => m.key)).toEqual(['modèl', '']);
    expect(topLevelMembers(Buffer.from('{"mo\tdel":1}'))).toBeNull();
  });

  it('reads escaped keys as JSON does', () => {
    expect(memberText(Buffer.from('{"mo\\u0064el":"m"}'), 'model')).toBe('"m"');
  });
});
