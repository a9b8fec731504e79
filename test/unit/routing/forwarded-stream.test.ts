import { describe, expect, it } from 'vitest';
import { FOLD_BYTES, ForwardedStream } from '../../../src/routing/forwarded-stream.js';
import type { ForwardedReplay, PartialAnswer } from '../../../src/routing/types.js';

/** A replay that records what it was given: the bytes, and in how many pieces. */
function recorder() {
  const pieces: Buffer[] = [];
  let made = 0;
  const answer = { resumable: true, keptChars: 0 } as unknown as PartialAnswer;
  const replay = (): ForwardedReplay => {
    made++;
    return { push: (bytes) => pieces.push(Buffer.from(bytes)), partial: () => answer };
  };
  return {
    replay,
    answer,
    pieces,
    get made() {
      return made;
    },
    text: () => Buffer.concat(pieces).toString('latin1'),
  };
}

describe('ForwardedStream (what a resumable pass-through stream forwards and keeps)', () => {
  const b = (text: string) => Buffer.from(text, 'latin1');
  const text = (buffer: Buffer | null) => (buffer === null ? null : buffer.toString('latin1'));

  it('forwards whole events as they are, the very same buffers, and replays their bytes after a break', () => {
    const r = recorder();
    const kept = new ForwardedStream(1024, r.replay);
    const one = b('data: {"a":1}\n\n');
    expect(kept.accept(one)).toBe(one);
    expect(r.made).toBe(0);
    expect(kept.partial()).toBe(r.answer);
    expect(r.text()).toBe('data: {"a":1}\n\n');
  });

  it('holds the start of an event until its blank line', () => {
    const kept = new ForwardedStream(1024, recorder().replay);
    expect(text(kept.accept(b('data: {"a":1}\n\ndata: {"b"')))).toBe('data: {"a":1}\n\n');
    expect(text(kept.accept(b(':2}\r\n')))).toBeNull();
    expect(text(kept.accept(b('\r')))).toBeNull();
    expect(text(kept.accept(b('\n')))).toBe('data: {"b":2}\r\n\r\n');
    expect(text(kept.accept(b('data: [DONE]\n')))).toBeNull();
    expect(text(kept.rest())).toBe('data: [DONE]\n');
  });

  it('stops before an upstream error event, even one split across chunks', () => {
    const kept = new ForwardedStream(1024, recorder().replay);
    expect(text(kept.accept(b('data: {"a":1}\n\nevent: err')))).toBe('data: {"a":1}\n\n');
    expect(kept.failed).toBe(false);
    expect(text(kept.accept(b('or\ndata: {"type":"error"}\n\n')))).toBeNull();
    expect(kept.failed).toBe(true);
    expect(text(kept.accept(b('data: {"late":1}\n\n')))).toBeNull();
    const other = new ForwardedStream(1024, recorder().replay);
    expect(text(other.accept(b('data: {"a":1}\n\ndata: {"error":{"message":"x"}}\n\n')))).toBe('data: {"a":1}\n\n');
    expect(other.failed).toBe(true);
  });

  it('forwards text that merely mentions an error', () => {
    const kept = new ForwardedStream(1024, recorder().replay);
    const chunk = b('event: content_block_delta\ndata: {"delta":{"text":"error: none"}}\n\n');
    expect(kept.accept(chunk)).toBe(chunk);
    expect(kept.failed).toBe(false);
  });

  it('keeps nothing once more than its limit went out', () => {
    const r = recorder();
    const kept = new ForwardedStream(20, r.replay);
    kept.accept(b('data: {"a":1}\n\n'));
    kept.accept(b('data: {"a":2}\n\n'));
    expect(kept.partial()).toBeNull();
    expect(r.made).toBe(0);
  });

  it('hands a long stream to its replay as it goes, in pieces of whole events of at most FOLD_BYTES, every byte in order', () => {
    const r = recorder();
    const kept = new ForwardedStream(1 << 20, r.replay);
    const sent: Buffer[] = [];
    for (let i = 0; i < 1000; i++) {
      // Each chunk a view into a larger buffer, as a socket read hands them over.
      const read = Buffer.alloc(4096);
      const event = `data: {"n":${i}}\n\n`;
      read.write(event, 100, 'latin1');
      const chunk = read.subarray(100, 100 + event.length);
      sent.push(chunk);
      expect(kept.accept(chunk)).toBe(chunk);
    }
    // Before any break, most of it was already replayed: what is kept is bounded, not the whole stream.
    expect(r.made).toBe(1);
    const replayed = Buffer.concat(r.pieces).length;
    expect(Buffer.concat(sent).length - replayed).toBeLessThanOrEqual(FOLD_BYTES);
    expect(r.pieces.every((piece) => piece.length <= FOLD_BYTES && piece.toString('latin1').endsWith('\n\n'))).toBe(true);
    expect(kept.partial()).toBe(r.answer);
    expect(r.text()).toBe(Buffer.concat(sent).toString('latin1'));
    expect(r.made).toBe(1);
  });

  it('keeps nothing, and drops its replay, once more than its limit went out after folding began', () => {
    const r = recorder();
    const kept = new ForwardedStream(3 * FOLD_BYTES, r.replay);
    const event = b(`data: {"pad":"${'x'.repeat(100)}"}\n\n`);
    while (r.made === 0) kept.accept(event);
    for (let sent = 0; sent <= 3 * FOLD_BYTES; sent += event.length) kept.accept(event);
    expect(kept.partial()).toBeNull();
  });
});
