import type { ForwardedReplay, PartialAnswer } from './types.js';

/**
 * What a resumable pass-through stream keeps while its bytes go to the client untouched
 * (stream-resume.ts), to learn the answer so far after a break: a copy of what it forwarded, in
 * one buffer of its own that doubles as it fills, up to FOLD_BYTES. A chunk is not kept alive by
 * it, so chunks die young instead of each (a small Buffer pinning the socket read it came in)
 * surviving into the old generation. Past FOLD_BYTES the copy is folded into the stream's
 * replay (`StreamResume.replay`, made then): the replay decodes those events now and keeps only
 * the answer they carry, and the copy starts again. So a short stream is never decoded unless it
 * breaks, and a long one keeps at most FOLD_BYTES of raw events beside its answer so far (with
 * 1,000 open streams the raw events were most of the memory). Past `limit` bytes forwarded in
 * all, nothing is kept and the stream cannot be continued.
 * Contract of `accept`:
 * - only whole SSE events are forwarded: the start of an event still arriving is held until
 *   its blank line (a continuation must not follow half an event); upstream chunks nearly
 *   always end at an event, which costs two byte reads;
 * - an upstream error event (an `event: error` line, or a `data: {"error"` line) is not
 *   forwarded: `failed` turns true and the bytes before that event are the last ones out.
 *   Each chunk costs one native search for `error` (in its latin1 text); only on a hit are its
 *   lines looked at.
 */
const LF = 0x0a;
const CR = 0x0d;
const ERROR_LINE = /^(event:[ \t]*error[ \t]*\r?$|data:[ \t]*\{\s*"error")/m;
const EVENT_END = /\r?\n\r?\n|\r\r/g;
/** The first size of the copy, in bytes; it doubles from there, up to FOLD_BYTES. */
const FIRST_KEEP = 2048;
/** The most raw bytes kept before they are folded into the replay. */
export const FOLD_BYTES = 8192;

export class ForwardedStream {
  /** The copy (its first `bytes` bytes); null once more than `limit` went out. */
  private kept: Buffer | null = EMPTY;
  private bytes = 0;
  /** Bytes forwarded in all. */
  private total = 0;
  private replayed: ForwardedReplay | null = null;
  private pending: Buffer | null = null;
  failed = false;

  constructor(
    private readonly limit: number,
    private readonly replay: () => ForwardedReplay,
  ) {}

  /** The bytes to forward now for `chunk`, or null. */
  accept(chunk: Buffer): Buffer | null {
    if (this.failed) return null;
    const data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    const end = eventsEnd(data);
    this.pending = end === data.length ? null : data.subarray(end);
    let out = end === data.length ? data : data.subarray(0, end);
    // V8's string search is much faster than Buffer#indexOf here; latin1 maps each byte to one character.
    const text = out.toString('latin1');
    if (text.includes('error')) {
      const at = errorEventStart(text);
      if (at !== -1) {
        out = out.subarray(0, at);
        this.failed = true;
        this.pending = null;
      }
    }
    if (out.length === 0) return null;
    this.keep(out);
    return out;
  }

  /** What is held at a clean end (an unterminated last event), to forward as is. */
  rest(): Buffer | null {
    const rest = this.pending;
    this.pending = null;
    return rest;
  }

  /** The answer the client has so far (every byte it got replayed); null when more than `limit` went out. */
  partial(): PartialAnswer | null {
    if (this.kept === null) return null;
    this.fold();
    return this.replayed!.partial();
  }

  private keep(out: Buffer): void {
    if (this.kept === null) return;
    this.total += out.length;
    if (this.total > this.limit) {
      this.kept = null;
      this.replayed = null;
      return;
    }
    if (this.bytes + out.length > FOLD_BYTES) this.fold();
    if (out.length > FOLD_BYTES) {
      this.replayed!.push(out);
      return;
    }
    const size = this.bytes + out.length;
    if (size > this.kept.length) this.kept = grown(this.kept, this.bytes, Math.min(FOLD_BYTES, Math.max(size, 2 * this.kept.length, FIRST_KEEP)));
    out.copy(this.kept, this.bytes);
    this.bytes = size;
  }

  /** Hands the copy to the replay (made the first time) and empties it; its buffer is reused. */
  private fold(): void {
    this.replayed ??= this.replay();
    if (this.bytes > 0) this.replayed.push(this.kept!.subarray(0, this.bytes));
    this.bytes = 0;
  }
}

const EMPTY = Buffer.alloc(0);

/** A buffer of its own of `size` bytes (not a slice of Node's shared pool) starting with the first `used` bytes of `kept`. */
function grown(kept: Buffer, used: number, size: number): Buffer {
  const next = Buffer.allocUnsafeSlow(size);
  kept.copy(next, 0, 0, used);
  return next;
}

/** The length of `data` up to the end of its last complete event (0 when it holds none). */
function eventsEnd(data: Buffer): number {
  const n = data.length;
  if (n >= 2 && data[n - 1] === LF && (data[n - 2] === LF || (n >= 4 && data[n - 2] === CR && data[n - 3] === LF))) return n;
  if (n >= 2 && data[n - 1] === CR && data[n - 2] === CR) return n;
  const lf = data.lastIndexOf('\n\n', n, 'latin1');
  const crlf = data.lastIndexOf('\r\n\r\n', n, 'latin1');
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4);
}

/** The byte offset where the first error event of `text` (whole events, latin1) starts, or -1. */
function errorEventStart(text: string): number {
  EVENT_END.lastIndex = 0;
  let start = 0;
  while (start < text.length) {
    const match = EVENT_END.exec(text);
    const end = match ? match.index + match[0].length : text.length;
    if (ERROR_LINE.test(text.slice(start, end))) return start;
    if (!match) break;
    start = end;
  }
  return -1;
}
