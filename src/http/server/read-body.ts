import type { IncomingMessage } from 'node:http';
import { FuseboxError } from '../../shared/errors.js';
import { BoundedChunks } from '../../routing/bounded-body.js';

/**
 * Reads a request body of at most `limit` bytes and calls `done` exactly once with it, or with
 * the error to answer. Overflow is refused: a declared Content-Length over the limit before a
 * byte is read (`done` is then called before readBody returns), a body that grows past it as
 * soon as it does; either way the rest is drained unread (so the 413 can be sent) and nothing
 * is kept. A callback rather than a promise: the front door's success path allocates none.
 * `done` runs inside the request's stream events: it must not throw (the server wraps it).
 */
export function readBody(req: IncomingMessage, limit: number, done: (body: Buffer | FuseboxError) => void): void {
  const tooLarge = () => new FuseboxError('body_too_large', `request body is larger than ${limit} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    done(tooLarge());
    return;
  }
  let settled = false;
  const settle = (body: Buffer | FuseboxError) => {
    if (settled) return;
    settled = true;
    done(body);
  };
  const kept = new BoundedChunks(limit);
  const onData = (chunk: Buffer) => {
    if (kept.add(chunk)) return;
    req.off('data', onData);
    req.resume();
    settle(tooLarge());
  };
  req.on('data', onData);
  req.on('end', () => settle(kept.result()));
  req.on('error', () => settle(new FuseboxError('invalid_request', 'the request body could not be read')));
}
