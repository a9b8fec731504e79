import { UpstreamBodyError, type UpstreamBody, type UpstreamCode } from './types.js';

/**
 * The one bounded body reader. Every body fusebox holds in memory (a client's request, an
 * upstream answer, an error body, a 429's body, a collected stream) is read through it, and
 * each caller states what happens when the body grows past its limit:
 *
 * - `{ reject: code }`: the upstream is cancelled with `code` as soon as the limit is passed,
 *   and the read rejects with `UpstreamBodyError(code)`; nothing past the limit is kept.
 * - `'truncate'`: the upstream is cancelled (`discarded`) and the read resolves with the first
 *   `limit` bytes; for bodies read only for hints.
 *
 * A failed read rejects with an UpstreamBodyError (any other error becomes `body_error`).
 * A body of exactly `limit` bytes is whole.
 */
export type Overflow = { readonly reject: UpstreamCode } | 'truncate';

/** Chunks held up to a byte limit: the part shared by upstream bodies and client requests. */
export class BoundedChunks {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly limit: number) {}

  /** Keeps the chunk; false (keeping only what still fits) once the total passes the limit. */
  add(chunk: Buffer): boolean {
    const room = this.limit - this.size;
    if (chunk.length > room) {
      if (room > 0) this.keep(chunk.subarray(0, room));
      return false;
    }
    this.keep(chunk);
    return true;
  }

  get bytes(): number {
    return this.size;
  }

  /** Everything kept, as one buffer (the chunk itself when there is only one). */
  result(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
  }

  private keep(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
}

/** Reads an upstream body to its end, at most `limit` bytes of it (see Overflow). */
export async function readBounded(body: UpstreamBody, limit: number, overflow: Overflow): Promise<Buffer> {
  const kept = new BoundedChunks(limit);
  await drainBounded(body, limit, overflow, (chunk) => kept.add(chunk));
  return kept.result();
}

/**
 * Hands each chunk of an upstream body to `each` without keeping it, at most `limit` bytes in
 * all (see Overflow; with 'truncate' the last chunk is cut to the limit); resolves with the
 * bytes handed over. Whatever fails (the body, or `each` throwing) cancels the upstream, with
 * the UpstreamBodyError's code when it is one, and rejects with that error.
 */
export async function drainBounded(body: UpstreamBody, limit: number, overflow: Overflow, each: (chunk: Buffer) => void): Promise<number> {
  let size = 0;
  try {
    for (let chunk = await body.next(); chunk !== null; chunk = await body.next()) {
      if (size + chunk.length <= limit) {
        size += chunk.length;
        each(chunk);
        continue;
      }
      if (overflow !== 'truncate') throw new UpstreamBodyError(overflow.reject, `body over ${limit} bytes`);
      if (limit > size) each(chunk.subarray(0, limit - size));
      body.cancel('discarded');
      return limit;
    }
  } catch (error) {
    const failure = error instanceof UpstreamBodyError ? error : new UpstreamBodyError('body_error', String(error));
    body.cancel(failure.code);
    throw failure;
  }
  return size;
}
