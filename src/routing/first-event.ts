import { UpstreamBodyError } from '../shared/body-error.js';
import type { UpstreamBody } from './types.js';

/** Bytes read ahead for the first event at most; past this the stream is passed on unchecked. */
const MAX_AHEAD = 1024 * 1024;

/**
 * The start of an event stream, read up to the end of its first data event (one Buffer), so
 * nothing reaches the client before that event has proved to be an answer: its data must be
 * JSON (every protocol's events are), else the stream fails as `stream_malformed` and the
 * request can still fail over. Null when the stream ended with nothing. Keep-alives (empty
 * data, `[DONE]`) before it are kept in the bytes but not checked.
 */
export async function firstEvent(body: UpstreamBody): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  for (;;) {
    const chunk = await body.next();
    if (chunk === null) break;
    chunks.push(chunk);
    length += chunk.length;
    const verdict = firstDataVerdict(Buffer.concat(chunks, length).toString('utf8'), false);
    if (verdict !== 'pending' || length > MAX_AHEAD) return settle(verdict, chunks, length);
  }
  if (length === 0) return null;
  return settle(firstDataVerdict(Buffer.concat(chunks, length).toString('utf8'), true), chunks, length);
}

function settle(verdict: Verdict, chunks: Buffer[], length: number): Buffer {
  if (verdict === 'malformed') throw new UpstreamBodyError('stream_malformed', 'the first event of the upstream stream is not JSON');
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
}

type Verdict = 'json' | 'malformed' | 'pending';

/** Whether the first data event of `text` is JSON; `ended`: the text is the whole stream. */
export function firstDataVerdict(text: string, ended: boolean): Verdict {
  const lines = text.split(/\r\n|\r|\n/);
  // The last piece is a line still arriving, unless the stream has ended.
  if (!ended) lines.pop();
  let data: string[] = [];
  for (const line of ended ? [...lines, ''] : lines) {
    if (line === '') {
      const value = data.join('\n');
      data = [];
      if (value === '' || value === '[DONE]') continue;
      return isJson(value) ? 'json' : 'malformed';
    }
    if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  return 'pending';
}

function isJson(value: string): boolean {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}
