import { UpstreamBodyError, type UpstreamBody } from '../routing/types.js';

/**
 * Turns undici's push callbacks into a pull-based body. While more than `highWater` bytes
 * wait unread, the upstream is paused; reading resumes it. One pending reader at a time.
 */
export class BodyQueue implements UpstreamBody {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: UpstreamBodyError | null = null;
  private waiter: { resolve: (chunk: Buffer | null) => void; reject: (error: Error) => void } | null = null;

  constructor(
    private readonly control: { pause(): void; resume(): void; abort(reason: Error): void },
    private readonly highWater = 256 * 1024,
  ) {}

  push(chunk: Buffer): void {
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

  end(): void {
    this.ended = true;
    this.settle();
  }

  error(code: string, message: string): void {
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

  cancel(reason: string): void {
    if (this.ended || this.failure) return;
    this.error(reason, `cancelled: ${reason}`);
    this.control.abort(new UpstreamBodyError(reason, `cancelled: ${reason}`));
  }

  private settle(): void {
    if (!this.waiter || this.chunks.length > 0) return;
    const { resolve, reject } = this.waiter;
    this.waiter = null;
    if (this.failure) reject(this.failure);
    else resolve(null);
  }
}
