import { describe, expect, it } from 'vitest';
import { memoryBody } from '../../../src/http/upstream/body-queue.js';
import { firstDataVerdict, firstEvent } from '../../../src/routing/first-event.js';

describe('the first event of a stream must be JSON before the client is answered', () => {
  it('waits for the end of the first data event, skipping keep-alives', () => {
    expect(firstDataVerdict('data: {"a":', false)).toBe('pending');
    expect(firstDataVerdict('data: {"a":1}\n', false)).toBe('pending');
    expect(firstDataVerdict(': ping\n\ndata: [DONE]\n\ndata: {"a":1}\n\n', false)).toBe('json');
    expect(firstDataVerdict('event: message_start\r\ndata: {"a":\r\ndata: 1}\r\n\r\n', false)).toBe('json');
  });

  it('calls a first event that is not JSON malformed, also at the end of the stream', () => {
    expect(firstDataVerdict('data: {"choices": [\n\n', false)).toBe('malformed');
    expect(firstDataVerdict('data: {"choices": [', true)).toBe('malformed');
    expect(firstDataVerdict('data: {"a":1}', true)).toBe('json');
  });

  it('hands back the bytes read, or fails as stream_malformed', async () => {
    expect((await firstEvent(memoryBody(Buffer.from('data: {"a":1}\n\n'))))?.toString()).toBe('data: {"a":1}\n\n');
    await expect(firstEvent(memoryBody(Buffer.from('data: {"a"\n\n')))).rejects.toMatchObject({ code: 'stream_malformed' });
    expect(await firstEvent(memoryBody(null))).toBeNull();
  });
});
