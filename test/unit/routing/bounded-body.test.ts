import { describe, expect, it } from 'vitest';
import { BoundedChunks, drainBounded, readBounded } from '../../../src/routing/bounded-body.js';
import { UpstreamBodyError, type UpstreamBody, type UpstreamCode } from '../../../src/routing/types.js';

/** A body of the given chunks, then the end (or `failure`); records what it was cancelled with. */
function bodyOf(chunks: string[], failure?: Error): UpstreamBody & { cancelled: UpstreamCode | null; read: number } {
  const queue = chunks.map((c) => Buffer.from(c));
  return {
    cancelled: null,
    read: 0,
    next() {
      const chunk = queue.shift();
      if (chunk) {
        this.read += 1;
        return Promise.resolve(chunk);
      }
      return failure ? Promise.reject(failure) : Promise.resolve(null);
    },
    pipe() {
      return Promise.reject(new Error('not used'));
    },
    cancel(reason) {
      this.cancelled ??= reason;
    },
  };
}

describe('readBounded', () => {
  it('reads a body of exactly the limit whole, without cancelling it', async () => {
    const body = bodyOf(['abc', 'de']);
    expect((await readBounded(body, 5, { reject: 'response_too_large' })).toString()).toBe('abcde');
    expect(body.cancelled).toBeNull();
  });

  it("rejects at the first chunk past the limit, cancelling the upstream with the caller's code", async () => {
    const body = bodyOf(['abc', 'def', 'never read']);
    const read = readBounded(body, 5, { reject: 'error_body_too_large' });
    await expect(read).rejects.toBeInstanceOf(UpstreamBodyError);
    await expect(read).rejects.toMatchObject({ code: 'error_body_too_large' });
    expect(body.cancelled).toBe('error_body_too_large');
    expect(body.read).toBe(2);
  });

  it('truncates to the limit and discards the rest when asked to', async () => {
    const body = bodyOf(['abc', 'def', 'ghi']);
    expect((await readBounded(body, 5, 'truncate')).toString()).toBe('abcde');
    expect(body.cancelled).toBe('discarded');
    expect(body.read).toBe(2);
  });

  it("rejects with the body's own UpstreamBodyError, and wraps any other error as body_error", async () => {
    const reset = new UpstreamBodyError('connection_reset', 'socket hang up');
    await expect(readBounded(bodyOf(['a'], reset), 10, 'truncate')).rejects.toBe(reset);
    await expect(readBounded(bodyOf([], new Error('odd')), 10, 'truncate')).rejects.toMatchObject({ code: 'body_error' });
  });

  it('reads an empty body as an empty buffer', async () => {
    expect((await readBounded(bodyOf([]), 10, { reject: 'response_too_large' })).length).toBe(0);
  });
});

describe('drainBounded', () => {
  it('hands every chunk over without keeping them and counts the bytes', async () => {
    const seen: string[] = [];
    expect(await drainBounded(bodyOf(['ab', 'cd']), 10, { reject: 'response_too_large' }, (c) => seen.push(c.toString()))).toBe(4);
    expect(seen).toEqual(['ab', 'cd']);
  });

  it('cancels the upstream with the code of an UpstreamBodyError the consumer throws', async () => {
    const body = bodyOf(['ab', 'cd']);
    const consumer = () => {
      throw new UpstreamBodyError('stream_error_event', 'an error event');
    };
    await expect(drainBounded(body, 10, { reject: 'response_too_large' }, consumer)).rejects.toMatchObject({ code: 'stream_error_event' });
    expect(body.cancelled).toBe('stream_error_event');
  });
});

describe('BoundedChunks', () => {
  it('keeps chunks until the limit, then refuses and keeps only what still fits', () => {
    const kept = new BoundedChunks(4);
    expect(kept.add(Buffer.from('ab'))).toBe(true);
    expect(kept.add(Buffer.from('cd'))).toBe(true);
    expect(kept.add(Buffer.from('e'))).toBe(false);
    expect(kept.result().toString()).toBe('abcd');
    expect(kept.bytes).toBe(4);
  });
});
