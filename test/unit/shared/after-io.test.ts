import { describe, expect, it } from 'vitest';
import { afterIo } from '../../../src/shared/after-io.js';

describe('afterIo', () => {
  it('runs queued work in order after the current turn, and at once on flush', async () => {
    const done: number[] = [];
    const errors: unknown[] = [];
    const later = afterIo(
      (n: number) => {
        if (n === 2) throw new Error('two');
        done.push(n);
      },
      (error) => errors.push(error),
    );
    later.push(1);
    later.push(2);
    later.push(3);
    expect(done).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    later.push(4);
    later.flush();
    expect(done).toEqual([1, 3, 4]);
  });
});
