import type { ServerResponse } from 'node:http';
import type { FuseboxError } from '../../shared/errors.js';
import type { ClientSink, Protocol } from '../../routing/types.js';
import { protocolSpec } from '../protocols/registry.js';
import { writeError } from './write-error.js';

/**
 * The routing pipeline's view of a client response. Writes after the client left are dropped.
 * A class, one per request: its methods are shared, not closures made for every request.
 */
export class ResponseSink implements ClientSink {
  started = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly protocol: Protocol,
    private readonly requestId: string,
  ) {}

  respond(status: number, headers: Record<string, string>, body: Buffer): void {
    headers['content-length'] = String(body.length);
    this.open(status, headers);
    this.res.end(body);
  }

  start(status: number, headers: Record<string, string>): void {
    // The head goes out with the first chunk, written right after: one write, not two.
    headers['cache-control'] = 'no-cache';
    this.open(status, headers);
  }

  write(chunk: Buffer): Promise<void> | undefined {
    const res = this.res;
    if (res.destroyed || res.writableEnded || res.write(chunk)) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  fail(error: FuseboxError, headers: Record<string, string> = {}): void {
    if (this.started) {
      if (!this.res.writableEnded) this.res.end(protocolSpec(this.protocol).inBandError(error));
      return;
    }
    this.started = true;
    writeError(this.res, error, this.protocol, this.requestId, headers);
  }

  /** `headers` becomes the response head: callers hand over an object of their own. */
  private open(status: number, headers: Record<string, string>): void {
    this.started = true;
    headers['x-request-id'] = this.requestId;
    if (!this.res.destroyed) this.res.writeHead(status, headers);
  }
}
