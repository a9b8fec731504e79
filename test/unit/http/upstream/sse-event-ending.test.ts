import { describe, expect, it } from 'vitest';
import { FirstEventScanner, judgeEnd, TailKeeper } from '../../../../src/http/upstream/sse-scan.js';
import { protocolSpec } from '../../../../src/http/protocols/registry.js';

const openai = protocolSpec('openai');
const judge = (tail: Buffer | string) => judgeEnd(openai.terminalMarker, openai.streamEnding, Buffer.from(tail));
const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
const start = event('response.created', { response: { status: 'in_progress' } }) + event('response.output_text.delta', { delta: 'hi' });

/** Pushes `text` in chunks of `size` bytes, the way it might arrive; returns the kept tail. */
function kept(text: string, size: number, follow: boolean): Buffer {
  const keeper = new TailKeeper();
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) {
    keeper.push(bytes.subarray(at, at + size));
    if (follow && at === 0) keeper.followEvents();
  }
  return keeper.tail();
}

describe('the ending of a stream of named events (the Responses API, image streams)', () => {
  it('is complete when its last event is a terminal one', () => {
    for (const name of ['response.completed', 'response.failed', 'response.incomplete', 'image_generation.completed', 'image_edit.completed']) {
      expect(judge(start + event(name, { response: { status: 'x' } })), name).toBe('complete');
    }
  });

  it('is truncated when it stops before its terminal event, or inside it', () => {
    expect(judge(start)).toBe('truncated');
    expect(judge(`${start}event: response.completed\n`)).toBe('truncated');
    expect(judge(`${start}event: response.completed\ndata: {"type":"response.completed","response":{`)).toBe('truncated');
    expect(judge(start + event('response.completed', {}) + event('response.output_text.delta', { delta: 'late' }))).toBe('truncated');
  });

  it('does not take text that merely mentions an event name for the event', () => {
    const mention = event('response.output_text.delta', { delta: 'event: response.completed\n\n' });
    expect(judge(start + mention)).toBe('truncated');
  });

  it('keeps a terminal event far longer than the finish window back to its event line, however it is split', () => {
    const long = start + event('response.completed', { response: { output: 'x'.repeat(100_000) } });
    for (const size of [1, 7, 1000, 4096]) expect(judge(kept(long, size, true)), `chunks of ${size}`).toBe('complete');
    // Without following events, only the last bytes are kept: the event line is gone.
    expect(judge(kept(long, 1000, false))).toBe('truncated');
  });

  it('tells the tail keeper to follow events only for streams whose first event is named', () => {
    const named = new FirstEventScanner();
    expect(named.push(Buffer.from('event: response.created\ndata: {}\n\n'))).toBe('data');
    expect(named.named).toBe(true);
    const plain = new FirstEventScanner();
    expect(plain.push(Buffer.from('data: {"choices":[]}\n\n'))).toBe('data');
    expect(plain.named).toBe(false);
  });
});
