/**
 * The cheap part of SSE the stream guard needs, on raw bytes and across chunk boundaries:
 * "has the first data event arrived, and is it an error?" and, at the end, "did the stream
 * finish: its protocol's terminal event, or a finish reason in its last events?". Nothing is
 * decoded or parsed beyond the first few bytes of each line before the first data event; after
 * it, nothing until the end, and then only the kept tail (`FINISH_WINDOW` bytes).
 */
import type { StreamEnding } from '../protocols/types.js';

/** What the first data event turned out to be. */
export type FirstEvent = 'data' | 'error';

/** Bytes of each line kept for classification: enough for `event: error` and `data: {"error"`. */
const PREFIX_BYTES = 48;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Feeds chunks until the first data event: an SSE `data:` line whose value is neither empty
 * nor `[DONE]`, outside a `ping` event. It is an error event when its event name is `error` (Anthropic) or its value
 * starts with `{"error"` (OpenAI, Gemini). A line counts once its line break has arrived.
 */
export class FirstEventScanner {
  private prefix = Buffer.alloc(PREFIX_BYTES);
  private prefixLength = 0;
  private afterCR = false;
  private eventName = '';
  private found: FirstEvent | null = null;
  private foundNamed = false;

  /** The first event once seen, else null. */
  get first(): FirstEvent | null {
    return this.found;
  }

  /** Whether the first data event carried an event name (a stream of named events: Responses, Anthropic). */
  get named(): boolean {
    return this.foundNamed;
  }

  /** Scans one chunk; returns the first event once it has been seen. */
  push(chunk: Buffer): FirstEvent | null {
    for (let i = 0; i < chunk.length && this.found === null; i++) {
      const byte = chunk[i]!;
      if (byte === LF && this.afterCR) {
        this.afterCR = false;
        continue;
      }
      this.afterCR = byte === CR;
      if (byte === LF || byte === CR) {
        this.endLine();
      } else if (this.prefixLength < PREFIX_BYTES) {
        this.prefix[this.prefixLength++] = byte;
      }
    }
    return this.found;
  }

  private endLine(): void {
    const line = this.prefix.toString('latin1', 0, this.prefixLength);
    this.prefixLength = 0;
    if (line.length === 0) {
      this.eventName = '';
    } else if (line.startsWith('event:')) {
      this.eventName = fieldValue(line, 6).trim();
    } else if (line.startsWith('data:')) {
      const value = fieldValue(line, 5);
      // Keep-alives are not answers: empty data, OpenAI's `[DONE]`, Anthropic's `ping`.
      if (value.trim() === '' || value.trim() === '[DONE]' || this.eventName === 'ping') return;
      this.found = this.eventName === 'error' || /^\{\s*"error"/.test(value) ? 'error' : 'data';
      this.foundNamed = this.eventName !== '';
    }
  }
}

/** The field value after `name:`, without the one optional leading space (SSE rules). */
function fieldValue(line: string, nameLength: number): string {
  return line.charCodeAt(nameLength) === 0x20 ? line.slice(nameLength + 1) : line.slice(nameLength);
}

/**
 * Whether a stream's last bytes hold its protocol's terminal event, named by `marker` (a
 * ProtocolSpec's `terminalMarker`, e.g. `[DONE]`); null (cannot tell) for a protocol without
 * one. `tail` is the stream's last bytes (the last chunk or two), never the whole stream.
 */
export function endsComplete(marker: string | null, tail: Buffer): boolean | null {
  if (marker === null) return null;
  const from = Math.max(0, tail.length - 512);
  return tail.indexOf(marker, from, 'latin1') !== -1;
}

/** How much of a stream's end is read for a finish reason: its last events, never the whole stream. */
export const FINISH_WINDOW = 2048;

/**
 * A cleanly ended stream, judged on its tail: `complete` (its terminal event, or a finish
 * reason in a protocol without one), `unterminated` (a finish reason but no terminal event:
 * complete once `closingBytes` is appended), or `truncated`. A stream that ended mid-line is
 * truncated whatever it said before.
 */
export type StreamEnd = 'complete' | 'unterminated' | 'truncated';

export function judgeEnd(marker: string | null, ending: StreamEnding, tail: Buffer): StreamEnd {
  if (endsComplete(marker, tail) === true) return 'complete';
  const last = tail.at(-1);
  if (last !== LF && last !== CR) return 'truncated';
  if (endedByEvent(ending, tail)) return 'complete';
  if (!ending.finishSeen(tail.toString('latin1', Math.max(0, tail.length - FINISH_WINDOW)))) return 'truncated';
  return ending.terminalEvent === null ? 'complete' : 'unterminated';
}

/**
 * Whether the stream's last named event is one of the ending's `endingEvents`, with a data line
 * and the blank line that dispatches it. The event line is found as a line start (after LF), so
 * text inside a data line (JSON escapes its line breaks) never counts.
 */
function endedByEvent(ending: StreamEnding, tail: Buffer): boolean {
  if (ending.endingEvents === undefined) return false;
  const at = tail.lastIndexOf(EVENT_LINE);
  const lineStart = at !== -1 ? at + 1 : tail.indexOf(EVENT_LINE.subarray(1)) === 0 ? 0 : -1;
  if (lineStart === -1) return false;
  const lineEnd = tail.indexOf(LF, lineStart);
  if (lineEnd === -1) return false;
  const name = fieldValue(tail.toString('latin1', lineStart, lineEnd), 6).trim();
  const dispatched = tail.indexOf('\ndata:', lineEnd, 'latin1') !== -1 && /\r?\n\r?\n$/.test(tail.toString('latin1', tail.length - 4));
  return dispatched && ending.endingEvents.has(name);
}

/** The terminal event for an `unterminated` stream's client, after what ends its last event. */
export function closingBytes(ending: StreamEnding, tail: Buffer): Buffer {
  const event = ending.terminalEvent ?? '';
  const end = tail.length - (tail.at(-1) === LF && tail.at(-2) === CR ? 2 : 1);
  const blank = tail[end - 1] === LF || tail[end - 1] === CR;
  const crlf = tail.at(-1) === CR || tail.at(-2) === CR;
  return Buffer.from(blank ? event : `${crlf ? '\r\n' : '\n'}${event}`, 'latin1');
}

/** An event line as it starts a line: how the last event of a named stream is found again. */
const EVENT_LINE = Buffer.from('\nevent:', 'latin1');
const EMPTY = Buffer.alloc(0);

/** The most a tail that follows events keeps for its last event; past this only the last bytes are kept. */
export const MAX_EVENT_TAIL = 16 * 1024 * 1024;

/**
 * Keeps a stream's last bytes for `judgeEnd`: a copy, in one buffer of its own that is reused
 * (compacted, grown only when the kept bytes need it), of the last chunks pushed, as many as hold
 * at least `min` bytes without the oldest; `tail()` is a view of them. A chunk is copied, never
 * referenced: a reference pinned the socket read it came in for the several gaps of a slow
 * stream, long enough for V8 to move it into the old generation, where it stayed as garbage
 * until a full collection (with 1,000 open streams, tens of MB). After `followEvents()` (a stream
 * of named events) it also keeps everything back to the last event line, however long that event
 * is (the Responses API's final event carries the whole answer), up to MAX_EVENT_TAIL.
 */
export class TailKeeper {
  private data = EMPTY;
  /** The kept bytes are data[begin, end). */
  private begin = 0;
  private end = 0;
  /** Where each kept chunk starts in `data`, oldest first (the first is `begin`). */
  private readonly starts: number[] = [];
  private following = false;
  /** Where in `data` the last event line seen starts (its line break); -1 for none. */
  private eventAt = -1;

  constructor(private readonly min = FINISH_WINDOW) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.reserve(chunk.length);
    const at = this.end;
    chunk.copy(this.data, at);
    this.end += chunk.length;
    this.starts.push(at);
    if (this.following) this.findEventLine(at - (EVENT_LINE.length - 1));
    while (this.starts.length > 1 && this.end - this.starts[1]! >= this.min && (!this.holdsEventLine() || this.end - this.begin > MAX_EVENT_TAIL)) {
      this.starts.shift();
      this.begin = this.starts[0]!;
    }
  }

  /** From now on, keep the last event whole from its event line (the bytes kept so far are looked at once). */
  followEvents(): void {
    if (this.following) return;
    this.following = true;
    this.findEventLine(this.begin);
  }

  /** The kept bytes: a view, valid until the next `push`. */
  tail(): Buffer {
    return this.data.subarray(this.begin, this.end);
  }

  /** Whether the oldest kept chunk is the one the last event line starts in. */
  private holdsEventLine(): boolean {
    return this.eventAt >= this.begin && this.eventAt < this.starts[1]!;
  }

  /** Notes the last event line that starts at or after `from` (clamped to the kept bytes). */
  private findEventLine(from: number): void {
    const start = Math.max(this.begin, from);
    const at = this.data.subarray(start, this.end).lastIndexOf(EVENT_LINE);
    if (at !== -1) this.eventAt = start + at;
  }

  /** Room for `bytes` more after `end`: the kept bytes moved to the front, and the buffer grown if that is not enough. */
  private reserve(bytes: number): void {
    if (this.end + bytes <= this.data.length) return;
    const shift = this.begin;
    const size = this.end - shift;
    if (size + bytes > this.data.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(2 * this.data.length, size + bytes, 2 * this.min));
      this.data.copy(next, 0, shift, this.end);
      this.data = next;
    } else {
      this.data.copyWithin(0, shift, this.end);
    }
    this.begin = 0;
    this.end = size;
    for (let i = 0; i < this.starts.length; i++) this.starts[i]! -= shift;
    if (this.eventAt !== -1) this.eventAt = this.eventAt >= shift ? this.eventAt - shift : -1;
  }
}
