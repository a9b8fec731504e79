import type { ServerResponse } from 'node:http';
import type { FuseboxError } from '../../shared/errors.js';
import type { ClientSink, Protocol } from '../../routing/types.js';
import { protocolSpec } from '../protocols/registry.js';
import type { HeaderMap } from '../protocols/types.js';
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

  respond(status: number, upstream: Readonly<HeaderMap>, own: Readonly<HeaderMap>, body: Buffer): void {
    this.open(status, responseHead(upstream, own, 'content-length', String(body.length), this.requestId));
    this.res.end(body);
  }

  start(status: number, upstream: Readonly<HeaderMap>, own: Readonly<HeaderMap>): void {
    // The head goes out with the first chunk, written right after: one write, not two.
    this.open(status, responseHead(upstream, own, 'cache-control', 'no-cache', this.requestId));
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

  private open(status: number, head: string[]): void {
    this.started = true;
    if (!this.res.destroyed) this.res.writeHead(status, head);
  }
}

/**
 * A response head as node:http's flat list (name, value, name, value, …): the upstream's
 * headers but those fusebox sets itself, then fusebox's own, then `name: value` and the
 * request id. Neither object is changed. A list rather than a merged object: copying the
 * upstream's headers into a new object and adding to it was a hot spot of every answer.
 */
function responseHead(upstream: Readonly<HeaderMap>, own: Readonly<HeaderMap>, name: string, value: string, requestId: string): string[] {
  const head: string[] = [];
  for (const key in upstream) {
    if (key === name || key === REQUEST_ID || key in own) continue;
    head.push(key, upstream[key]!);
  }
  for (const key in own) head.push(key, own[key]!);
  head.push(name, value, REQUEST_ID, requestId);
  return head;
}

const REQUEST_ID = 'x-request-id';
