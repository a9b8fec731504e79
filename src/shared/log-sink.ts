import { writeSync } from 'node:fs';

/**
 * Where the log's serialized lines go: gathered in an array and written to a file descriptor
 * in one write once LOG_BATCH_BYTES have gathered, or LOG_FLUSH_MS after the first line of a
 * batch; never one write per line, nor a growing string (why: docs/performance.md, "Why the hot path is shaped as it is").
 *
 * Writes are synchronous, as pino's own default destination is: a batch is one syscall, and
 * the order of lines is the order they were logged. A consumer that cannot keep up (a full
 * non-blocking pipe: EAGAIN) leaves the batch pending for the next flush; past
 * MAX_PENDING_BYTES new lines are counted and dropped instead of growing without bound (as are
 * the lines of a batch the descriptor refuses outright, a closed pipe), and a warning with the
 * count goes out with the next batch. The flush timer is armed only while something waits to be
 * written, so an idle sink never wakes the process. `end` writes whatever is left, waiting up to
 * EXIT_WAIT_MS for a slow consumer; the sink's owner calls it (log.ts ends its sink on `close`
 * and at process exit). Only a SIGKILL loses the last LOG_FLUSH_MS of lines.
 */
export const LOG_BATCH_BYTES = 8 * 1024;
export const LOG_FLUSH_MS = 100;
export const MAX_PENDING_BYTES = 8 * 1024 * 1024;
const EXIT_WAIT_MS = 2_000;

export class LogSink {
  private lines: string[] = [];
  /** Bytes a consumer did not take yet; they go out before the lines. */
  private pending: Buffer | null = null;
  private size = 0;
  private dropped = 0;
  /** After `end`, a line is written at once: no timer is left to write it later. */
  private ended = false;
  /** Armed while lines or pending bytes wait (never after `end`). */
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly fd: number) {}

  /** pino's destination interface: one serialized line, newline included. */
  write(line: string): boolean {
    if (this.size >= MAX_PENDING_BYTES) {
      this.dropped++;
      return false;
    }
    this.lines.push(line);
    this.size += line.length;
    // A consumer that refused the last batch is retried by the timer, not on every line.
    if ((this.ended || this.size >= LOG_BATCH_BYTES) && this.pending === null) this.flushSync();
    else this.arm();
    return true;
  }

  /** Writes what has gathered; what a consumer would block on stays pending. */
  flushSync(): void {
    if (this.size === 0) return;
    const fresh = Buffer.from(this.lines.join(''));
    const bytes = this.pending === null ? fresh : Buffer.concat([this.pending, fresh]);
    const count = this.lines.length;
    this.lines = [];
    const outcome = writeSome(this.fd, bytes);
    if (outcome === 'failed') this.dropped += count;
    this.pending = outcome instanceof Buffer ? outcome : null;
    this.size = this.pending?.length ?? 0;
    if (this.pending === null && this.dropped > 0) this.noteDropped();
    if (this.size > 0) this.arm();
    else this.disarm();
  }

  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  /** Writes what is left, waiting a bounded time for a slow consumer; no more periodic writes. */
  end(): void {
    this.ended = true;
    this.disarm();
    const deadline = Date.now() + EXIT_WAIT_MS;
    this.flushSync();
    while (this.size > 0 && Date.now() < deadline) {
      Atomics.wait(PAUSE, 0, 0, 10);
      this.flushSync();
    }
  }

  private arm(): void {
    if (this.timer !== null || this.ended) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushSync();
    }, LOG_FLUSH_MS);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private noteDropped(): void {
    const line = `${JSON.stringify({ level: 40, time: Date.now(), dropped: this.dropped, msg: 'log lines dropped: the log consumer did not keep up' })}\n`;
    this.dropped = 0;
    this.write(line);
  }
}

/** Only ever waited on (never written): `Atomics.wait` on it is a bounded synchronous sleep. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes as much of `bytes` as the descriptor takes now: 'done', the rest when the consumer
 * would block, or 'failed' when the descriptor refused (a closed pipe): the batch is lost,
 * and the gateway goes on.
 */
function writeSome(fd: number, bytes: Buffer): 'done' | 'failed' | Buffer {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EAGAIN' ? bytes.subarray(offset) : 'failed';
    }
  }
  return 'done';
}
