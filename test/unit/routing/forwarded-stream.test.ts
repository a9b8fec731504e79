import { describe, expect, it } from 'vitest';
import { ForwardedStream } from '../../../src/routing/forwarded-stream.js';

describe('ForwardedStream (what a resumable pass-through stream forwards and keeps)', () => {
  const b = (text: string) => Buffer.from(text, 'latin1');
  const text = (buffer: Buffer | null) => (buffer === null ? null : buffer.toString('latin1'));

  it('forwards whole events as they are, the very same buffers, and keeps their bytes', () => {
    const kept = new ForwardedStream(1024);
    const one = b('data: {"a":1}\n\n');
    expect(kept.accept(one)).toBe(one);
    expect(kept.forwarded()).toEqual([one]);
  });

  it('holds the start of an event until its blank line', () => {
    const kept = new ForwardedStream(1024);
    expect(text(kept.accept(b('data: {"a":1}\n\ndata: {"b"')))).toBe('data: {"a":1}\n\n');
    expect(text(kept.accept(b(':2}\r\n')))).toBeNull();
    expect(text(kept.accept(b('\r')))).toBeNull();
    expect(text(kept.accept(b('\n')))).toBe('data: {"b":2}\r\n\r\n');
    expect(text(kept.accept(b('data: [DONE]\n')))).toBeNull();
    expect(text(kept.rest())).toBe('data: [DONE]\n');
  });

  it('stops before an upstream error event, even one split across chunks', () => {
    const kept = new ForwardedStream(1024);
    expect(text(kept.accept(b('data: {"a":1}\n\nevent: err')))).toBe('data: {"a":1}\n\n');
    expect(kept.failed).toBe(false);
    expect(text(kept.accept(b('or\ndata: {"type":"error"}\n\n')))).toBeNull();
    expect(kept.failed).toBe(true);
    expect(text(kept.accept(b('data: {"late":1}\n\n')))).toBeNull();
    const other = new ForwardedStream(1024);
    expect(text(other.accept(b('data: {"a":1}\n\ndata: {"error":{"message":"x"}}\n\n')))).toBe('data: {"a":1}\n\n');
    expect(other.failed).toBe(true);
  });

  it('forwards text that merely mentions an error', () => {
    const kept = new ForwardedStream(1024);
    const chunk = b('event: content_block_delta\ndata: {"delta":{"text":"error: none"}}\n\n');
    expect(kept.accept(chunk)).toBe(chunk);
    expect(kept.failed).toBe(false);
  });

  it('keeps nothing once more than its limit went out', () => {
    const kept = new ForwardedStream(20);
    kept.accept(b('data: {"a":1}\n\n'));
    kept.accept(b('data: {"a":2}\n\n'));
    expect(kept.forwarded()).toBeNull();
  });

  it('keeps a long stream in one buffer of its own, not one per chunk, every byte in order', () => {
    const kept = new ForwardedStream(1 << 20);
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
    const forwarded = kept.forwarded()!;
    expect(Buffer.concat(forwarded).equals(Buffer.concat(sent))).toBe(true);
    expect(forwarded).toHaveLength(1);
    const reads = new Set(sent.map((chunk) => chunk.buffer));
    expect(forwarded.filter((buffer) => reads.has(buffer.buffer as ArrayBuffer))).toEqual([]);
  });
});
