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

  /** The first event once seen, else null. */
  get first(): FirstEvent | null {
    return this.found;
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
  if (!ending.finishSeen(tail.toString('latin1', Math.max(0, tail.length - FINISH_WINDOW)))) return 'truncated';
  return ending.terminalEvent === null ? 'complete' : 'unterminated';
}

/** The terminal event for an `unterminated` stream's client, after what ends its last event. */
export function closingBytes(ending: StreamEnding, tail: Buffer): Buffer {
  const event = ending.terminalEvent ?? '';
  const end = tail.length - (tail.at(-1) === LF && tail.at(-2) === CR ? 2 : 1);
  const blank = tail[end - 1] === LF || tail[end - 1] === CR;
  const crlf = tail.at(-1) === CR || tail.at(-2) === CR;
  return Buffer.from(blank ? event : `${crlf ? '\r\n' : '\n'}${event}`, 'latin1');
}

/**
 * Keeps a stream's last bytes for `endsComplete`: references to the last chunks, at least `min`
 * bytes of them, never copies (a stream of 20,000 small chunks a second must not allocate per
 * chunk); `tail()` joins them once, at the end of the stream.
 */
export class TailKeeper {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly min = FINISH_WINDOW) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.length >= this.min) this.bytes -= this.chunks.shift()!.length;
  }

  tail(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
  }
}
