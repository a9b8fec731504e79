import type { IncomingMessage } from 'node:http';
import { FuseboxError } from '../../shared/errors.js';
import { BoundedChunks } from '../../routing/bounded-body.js';

/**
 * Reads a request body of at most `limit` bytes. Overflow is refused: a declared
 * Content-Length over the limit before a byte is read, a body that grows past it as soon as
 * it does; either way the rest is drained unread (so the 413 can be sent) and nothing is kept.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | FuseboxError> {
  const tooLarge = () => new FuseboxError('body_too_large', `request body is larger than ${limit} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(tooLarge());
  }
  return new Promise((resolve) => {
    const kept = new BoundedChunks(limit);
    const onData = (chunk: Buffer) => {
      if (kept.add(chunk)) return;
      req.off('data', onData);
      req.resume();
      resolve(tooLarge());
    };
    req.on('data', onData);
    req.on('end', () => resolve(kept.result()));
    req.on('error', () => resolve(new FuseboxError('invalid_request', 'the request body could not be read')));
  });
}
