import { describe, expect, it } from 'vitest';
import { loadFixtures, runFixture, updateFixture } from './golden.js';

describe('translation golden fixtures', () => {
  for (const { file, fixture } of loadFixtures()) {
    it(`${file}: ${fixture.description}`, () => {
      const actual = runFixture(fixture);
      if (process.env.GOLDEN_UPDATE === '1') updateFixture(file, fixture, actual);
      else expect(actual).toEqual(fixture.expected);
    });
  }
});
