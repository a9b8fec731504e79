import type { JsonMember } from '../../shared/json-member.js';
import { UpstreamBodyError, type TokenUsage, type UpstreamBody, type UpstreamCode } from '../../routing/types.js';

/**
 * Turns undici's push callbacks into a body that is read (`next`, one pending reader at a time)
 * or piped (`pipe`: chunks go straight to the writer). While more than `highWater` bytes wait
 * unread, or the writer's backpressure is pending, the upstream is paused.
 */
type Writer = (chunk: Buffer) => Promise<void> | undefined;

/** Reads the tokens an answer reports (see UpstreamBody.usage); set by whoever knows the protocol. */
export type UsageOf = (whole?: Buffer, members?: readonly JsonMember[] | null) => TokenUsage | null;

export class BodyQueue implements UpstreamBody {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: UpstreamBodyError | null = null;
  private waiter: { resolve: (chunk: Buffer | null) => void; reject: (error: Error) => void } | null = null;
  private piping: { write: Writer; resolve: () => void; reject: (error: Error) => void } | null = null;
  private draining = 0;
  /** How this body's answer reports usage; null: it is not read. */
  usageOf: UsageOf | null = null;

  constructor(
    private readonly control: { pause(): void; resume(): void; abort(reason: Error): void },
    private readonly highWater = 256 * 1024,
  ) {}

  push(chunk: Buffer): void {
    if (this.piping) {
      this.deliver(this.piping.write, chunk);
      return;
    }
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > this.highWater) this.control.pause();
  }

  usage(whole?: Buffer, members?: readonly JsonMember[] | null): TokenUsage | null {
    return this.usageOf ? this.usageOf(whole, members) : null;
  }

  end(): void {
    this.ended = true;
    this.settle();
  }

  error(code: UpstreamCode, message: string): void {
    if (this.failure || this.ended) return;
    this.failure = new UpstreamBodyError(code, message);
    this.settle();
  }

  next(): Promise<Buffer | null> {
    const chunk = this.chunks.shift();
    if (chunk) {
      this.buffered -= chunk.length;
      if (this.buffered <= this.highWater) this.control.resume();
      return Promise.resolve(chunk);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  pipe(write: Writer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.piping = { write, resolve, reject };
      for (let chunk = this.chunks.shift(); chunk; chunk = this.chunks.shift()) {
        this.buffered -= chunk.length;
        this.deliver(write, chunk);
      }
      this.settle();
    });
  }

  private deliver(write: Writer, chunk: Buffer): void {
    const drained = write(chunk);
    if (!drained) return;
    if (this.draining++ === 0) this.control.pause();
    void drained.then(() => {
      if (--this.draining === 0 && !this.ended && !this.failure) this.control.resume();
    });
  }

  cancel(reason: UpstreamCode): void {
    if (this.ended || this.failure) return;
    this.error(reason, `cancelled: ${reason}`);
    this.control.abort(new UpstreamBodyError(reason, `cancelled: ${reason}`));
  }

  private settle(): void {
    if (this.piping && (this.ended || this.failure)) {
      const { resolve, reject } = this.piping;
      this.piping = null;
      if (this.failure) reject(this.failure);
      else resolve();
      return;
    }
    if (!this.waiter || this.chunks.length > 0) return;
    const { resolve, reject } = this.waiter;
    this.waiter = null;
    if (this.failure) reject(this.failure);
    else resolve(null);
  }
}

/** A body already in memory: one chunk (or none) then the end, or the read failure again. */
export function memoryBody(chunk: Buffer | null, failure?: UpstreamBodyError, usageOf?: UsageOf): UpstreamBody {
  return new MemoryBody(chunk, failure, usageOf);
}

/** A body already in memory: one object per reply, its methods shared. */
class MemoryBody implements UpstreamBody {
  readonly usage?: UsageOf;
  readonly whole?: Buffer;
  private left: Buffer | null;

  constructor(
    chunk: Buffer | null,
    private readonly failure?: UpstreamBodyError,
    usageOf?: UsageOf,
  ) {
    this.left = chunk;
    if (usageOf) this.usage = usageOf;
    if (!failure) this.whole = chunk ?? EMPTY;
  }

  next(): Promise<Buffer | null> {
    if (this.failure) return Promise.reject(this.failure);
    const out = this.left;
    this.left = null;
    return Promise.resolve(out);
  }

  async pipe(write: Writer): Promise<void> {
    const out = await this.next();
    if (out) await write(out);
  }

  cancel(): void {
    this.left = null;
  }
}

const EMPTY = Buffer.alloc(0);
