import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { closingBytes, endsComplete, FirstEventScanner, judgeEnd, TailKeeper } from '../../../../src/http/upstream/sse-scan.js';
import { protocolSpec } from '../../../../src/http/protocols/registry.js';

/** A full, synchronous garbage collection (V8's `gc`, exposed for this file only). */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Pushes `event` as a view into a 4 KB read of its own; returns a weak reference to that read. */
function pushRead(tail: TailKeeper, event: string): WeakRef<ArrayBufferLike> {
  const read = Buffer.alloc(4096);
  read.write(event, 100, 'latin1');
  tail.push(read.subarray(100, 100 + event.length));
  return new WeakRef(read.buffer);
}

/** A protocol's terminal marker, as dispatch passes it to endsComplete. */
const marker = (protocol: string) => protocolSpec(protocol).terminalMarker;

function scan(...chunks: string[]): ReturnType<FirstEventScanner['push']> {
  const scanner = new FirstEventScanner();
  let found = null;
  for (const chunk of chunks) found = scanner.push(Buffer.from(chunk, 'latin1'));
  return found;
}

describe('FirstEventScanner', () => {
  it('finds the first data event, even split across chunks and with CRLF or CR line ends', () => {
    expect(scan('data: {"a":1}\n\n')).toBe('data');
    expect(scan('da', 'ta', ': {"a"', ':1}', '\n')).toBe('data');
    expect(scan('data: {"candidates":[]}\r\n\r\n')).toBe('data');
    expect(scan('data:{"x":1}\r')).toBe('data');
  });

  it('waits for the line end before deciding', () => {
    expect(scan('data: {"a":1}')).toBeNull();
  });

  it('ignores comments, [DONE], empty data, event names alone and Anthropic pings', () => {
    expect(scan(': keep-alive\n\n', 'data: [DONE]\n\n', 'data:\n\n', 'event: message_start\n')).toBeNull();
    expect(scan('event: ping\ndata: {"type":"ping"}\n\n')).toBeNull();
    expect(scan('event: ping\ndata: {"type":"ping"}\n\nevent: message_start\ndata: {"type":"message_start"}\n')).toBe('data');
  });

  it('recognises an error as the first event: OpenAI/Gemini data and Anthropic event: error', () => {
    expect(scan('data: {"error":{"message":"x"}}\n\n')).toBe('error');
    expect(scan('data: { "error": 1}\n')).toBe('error');
    expect(scan('event: error\ndata: {"type":"error","error":{}}\n')).toBe('error');
    expect(scan('event: error\n\ndata: {"ok":1}\n')).toBe('data');
  });

  it('stops looking after the first event', () => {
    const scanner = new FirstEventScanner();
    expect(scanner.push(Buffer.from('data: 1\n'))).toBe('data');
    expect(scanner.push(Buffer.from('data: {"error":1}\n'))).toBe('data');
  });
});

describe('endsComplete and TailKeeper', () => {
  it('sees the terminal event of OpenAI and Anthropic streams; Gemini has none', () => {
    expect(endsComplete(marker('openai'), Buffer.from('data: {}\n\ndata: [DONE]\n\n'))).toBe(true);
    expect(endsComplete(marker('openai'), Buffer.from('data: {}\n\n'))).toBe(false);
    expect(endsComplete(marker('anthropic'), Buffer.from('event: message_stop\ndata: {"type":"message_stop"}\n\n'))).toBe(true);
    expect(endsComplete(marker('gemini'), Buffer.from('data: {}\n\n'))).toBeNull();
  });

  it('keeps enough of the last bytes when the stream ends in tiny chunks', () => {
    const tail = new TailKeeper(16);
    for (const chunk of ['data: {"a":1}\n\n'.repeat(20), 'data: [DO', 'NE]', '\n', '\n']) tail.push(Buffer.from(chunk));
    expect(endsComplete(marker('openai'), tail.tail())).toBe(true);
    const big = Buffer.alloc(1000, 'x');
    tail.push(big);
    expect(tail.tail().equals(big)).toBe(true);
  });

  it('keeps the tail in a buffer of its own: a chunk it was handed can be collected once its reader drops it', async () => {
    const tail = new TailKeeper(2048);
    const sent: Buffer[] = [];
    const reads: WeakRef<ArrayBufferLike>[] = [];
    // Each chunk a view into a socket read of its own, as undici hands them over; none outlives this loop but in the keeper.
    for (let i = 0; i < 200; i++) {
      const event = `data: {"n":${i},"pad":"${'y'.repeat(i % 30)}"}\n\n`;
      sent.push(Buffer.from(event, 'latin1'));
      reads.push(pushRead(tail, event));
    }
    // A WeakRef holds its target until the current job ends; then a full collection may clear it.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(reads.filter((read) => read.deref() !== undefined)).toHaveLength(0);
    const all = Buffer.concat(sent);
    const kept = tail.tail();
    expect(kept.length).toBeGreaterThanOrEqual(2048);
    expect(all.subarray(all.length - kept.length).equals(kept)).toBe(true);
  });
});

describe('judgeEnd and closingBytes', () => {
  const judge = (protocol: string, text: string) => judgeEnd(marker(protocol), protocolSpec(protocol).streamEnding, Buffer.from(text));
  const finishChunk = 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
  const usageChunk = `data: {"choices":[],"usage":{"prompt_tokens":3,"pad":"${'x'.repeat(600)}"}}\n\n`;

  it('calls a stream complete by its terminal event, unterminated by a finish reason alone, else truncated', () => {
    expect(judge('openai', `${finishChunk}data: [DONE]\n\n`)).toBe('complete');
    expect(judge('openai', finishChunk + usageChunk)).toBe('unterminated');
    expect(judge('openai', 'data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n')).toBe('truncated');
    expect(judge('anthropic', 'event: message_start\ndata: {"message":{"stop_reason":null}}\n\n')).toBe('truncated');
    expect(judge('anthropic', 'event: message_delta\ndata: {"delta":{"stop_reason":"end_turn"}}\n\n')).toBe('unterminated');
    expect(judge('gemini', 'data: {"candidates":[{"finishReason":"STOP"}]}\r\n\r\n')).toBe('complete');
    expect(judge('gemini', 'data: {"candidates":[{"content":{}}]}\r\n\r\n')).toBe('truncated');
  });

  it('calls a stream that ended mid-line truncated, whatever it said before', () => {
    expect(judge('openai', `${finishChunk}data: {"usage":{"pro`)).toBe('truncated');
  });

  it('appends the terminal event after a blank line, completing the last event first when needed', () => {
    const ending = protocolSpec('openai').streamEnding;
    expect(closingBytes(ending, Buffer.from(finishChunk)).toString()).toBe('data: [DONE]\n\n');
    expect(closingBytes(ending, Buffer.from('data: {}\n')).toString()).toBe('\ndata: [DONE]\n\n');
    expect(closingBytes(ending, Buffer.from('data: {}\r\n')).toString()).toBe('\r\ndata: [DONE]\n\n');
    expect(closingBytes(ending, Buffer.from('data: {}\r\n\r\n')).toString()).toBe('data: [DONE]\n\n');
  });
});
