import type { ServerResponse } from 'node:http';
import type { FuseboxError } from '../errors.js';
import type { ClientSink, Protocol } from '../routing/types.js';
import { errorBody, errorHeaders, inBandErrorEvent } from './error-body.js';

/** The routing pipeline's view of a client response. Writes after the client left are dropped. */
export function createClientSink(res: ServerResponse, protocol: Protocol, requestId: string): ClientSink {
  const base = { 'x-request-id': requestId };
  let started = false;

  function open(status: number, headers: Record<string, string>): void {
    started = true;
    if (!res.destroyed) res.writeHead(status, { ...headers, ...base });
  }

  return {
    get started() {
      return started;
    },
    respond(status, headers, body) {
      open(status, { ...headers, 'content-length': String(body.length) });
      res.end(body);
    },
    start(status, headers) {
      // The head goes out with the first chunk, written right after: one write, not two.
      open(status, { ...headers, 'cache-control': 'no-cache' });
    },
    write(chunk) {
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
    },
    end() {
      if (!res.writableEnded) res.end();
    },
    fail(error: FuseboxError, headers: Record<string, string> = {}) {
      if (started) {
        if (!res.writableEnded) res.end(inBandErrorEvent(protocol, error));
        return;
      }
      const body = errorBody(protocol, error);
      open(error.status, { ...headers, ...errorHeaders(error), 'content-length': String(body.length) });
      res.end(body);
    },
  };
}
