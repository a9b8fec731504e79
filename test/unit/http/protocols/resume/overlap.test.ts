import { describe, expect, it } from 'vitest';
import { MIN_OVERLAP, overlapLength } from '../../../../../src/http/protocols/neutral/overlap.js';

describe('overlapLength (the part of a continuation that restates the partial)', () => {
  it('drops the longest restated end of the partial', () => {
    const partial = 'The quick brown fox';
    const start = 'brown fox jumps over';
    expect(overlapLength(partial, start)).toBe('brown fox'.length);
    expect(start.slice(overlapLength(partial, start))).toBe(' jumps over');
  });

  it('keeps a continuation that restates nothing', () => {
    expect(overlapLength('The quick brown fox', ' jumps over')).toBe(0);
  });

  it(`keeps matches shorter than ${MIN_OVERLAP} characters: a short repeat is as likely new text`, () => {
    expect(overlapLength('The answer is 4', '4 is even')).toBe(0);
    expect(overlapLength('I said no', ' no more')).toBe(0);
  });

  it('drops a restatement of the whole partial, however short', () => {
    expect(overlapLength('Hi', 'Hi there')).toBe(2);
  });

  it('drops the leading whitespace when the partial ends with whitespace and nothing longer is restated', () => {
    expect(overlapLength('The quick ', ' brown')).toBe(1);
    expect(overlapLength('The quick ', '\n\nbrown')).toBe(2);
    expect(overlapLength('The quick', ' brown')).toBe(0);
  });

  it('prefers the longest of several matches', () => {
    const partial = 'abcab abcab abcab';
    expect(overlapLength(partial, 'abcab abcab!')).toBe('abcab abcab'.length);
  });
});
