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

/** The most a tail that follows events keeps for its last event; past this only the last bytes are kept. */
export const MAX_EVENT_TAIL = 16 * 1024 * 1024;

/**
 * Keeps a stream's last bytes for `judgeEnd`: references to the last chunks, at least `min`
 * bytes of them, never copies (a stream of 20,000 small chunks a second must not allocate per
 * chunk); `tail()` joins them once, at the end of the stream. After `followEvents()` (a stream
 * of named events) it also keeps every chunk back to the last event line, however long that
 * event is (the Responses API's final event carries the whole answer), up to MAX_EVENT_TAIL.
 */
export class TailKeeper {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  /** Chunks pushed so far: the sequence number of the next one. */
  private pushed = 0;
  private following = false;
  /** Sequence number of the oldest chunk the last event line may start in; -1 for none. */
  private eventSeq = -1;
  /** The stream's last bytes (fewer than EVENT_LINE), each with its chunk's sequence number: event lines split across chunks. */
  private readonly recent = Buffer.alloc(EVENT_LINE.length - 1);
  private readonly recentSeqs = new Float64Array(EVENT_LINE.length - 1);
  private recentLength = 0;
  private readonly window = Buffer.alloc(2 * EVENT_LINE.length);

  constructor(private readonly min = FINISH_WINDOW) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.following) this.mark(chunk, this.pushed);
    this.pushed++;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.length >= this.min && (!this.holdsEventLine() || this.bytes > MAX_EVENT_TAIL)) {
      this.bytes -= this.chunks.shift()!.length;
    }
  }

  /** From now on, keep the last event whole from its event line (chunks kept so far are looked at once). */
  followEvents(): void {
    if (this.following) return;
    this.following = true;
    const first = this.pushed - this.chunks.length;
    this.chunks.forEach((chunk, index) => this.mark(chunk, first + index));
  }

  tail(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
  }

  /** Whether the oldest kept chunk is the one the last event line starts in. */
  private holdsEventLine(): boolean {
    return this.eventSeq === this.pushed - this.chunks.length;
  }

  /** Notes chunk `seq` when an event line starts in it, or in the bytes just before it and runs into it. */
  private mark(chunk: Buffer, seq: number): void {
    if (chunk.includes(EVENT_LINE)) {
      this.eventSeq = seq;
    } else if (this.recentLength > 0) {
      const head = Math.min(chunk.length, EVENT_LINE.length - 1);
      this.recent.copy(this.window, 0, 0, this.recentLength);
      chunk.copy(this.window, this.recentLength, 0, head);
      const at = this.window.subarray(0, this.recentLength + head).indexOf(EVENT_LINE);
      if (at !== -1) this.eventSeq = this.recentSeqs[at]!;
    }
    this.remember(chunk, seq);
  }

  private remember(chunk: Buffer, seq: number): void {
    const size = this.recent.length;
    const old = Math.min(this.recentLength, size - Math.min(chunk.length, size));
    this.recent.copy(this.recent, 0, this.recentLength - old, this.recentLength);
    this.recentSeqs.copyWithin(0, this.recentLength - old, this.recentLength);
    const fresh = Math.min(chunk.length, size - old);
    chunk.copy(this.recent, old, chunk.length - fresh);
    this.recentSeqs.fill(seq, old, old + fresh);
    this.recentLength = old + fresh;
  }
}
