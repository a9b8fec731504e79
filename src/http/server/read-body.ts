import type { IncomingMessage } from 'node:http';
import { FuseboxError } from '../../shared/errors.js';

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the limit is
 * refused before a byte is read; a body that grows past it is refused as soon as it does.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | FuseboxError> {
  const tooLarge = () => new FuseboxError('body_too_large', `request body is larger than ${limit} bytes`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(tooLarge());
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        resolve(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', () => resolve(new FuseboxError('invalid_request', 'the request body could not be read')));
  });
}
