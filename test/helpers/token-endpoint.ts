import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A scripted OAuth2 token endpoint on 127.0.0.1: records every exchange (its form fields) and
 * answers as `script` says; by default it issues `at-1`, `at-2`… that expire in an hour.
 * `hold()` makes the next answers wait until `release()`, so a test can keep an exchange in flight.
 */
export type TokenAnswer = { readonly status?: number; readonly body: unknown } | { readonly kind: 'reset' };

export interface TokenEndpoint {
  /** e.g. http://127.0.0.1:PORT/oauth/token */
  readonly url: string;
  readonly exchanges: URLSearchParams[];
  script: (index: number, form: URLSearchParams) => TokenAnswer;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export function issued(index: number, extra: Record<string, unknown> = {}): TokenAnswer {
  return { body: { access_token: `at-${index + 1}`, token_type: 'Bearer', expires_in: 3600, ...extra } };
}

export async function startTokenEndpoint(script: TokenEndpoint['script'] = (index) => issued(index)): Promise<TokenEndpoint> {
  const sockets = new Set<Socket>();
  let held: (() => void)[] | null = null;
  const endpoint: TokenEndpoint = {
    url: '',
    exchanges: [],
    script,
    hold() {
      held ??= [];
    },
    release() {
      const waiting = held ?? [];
      held = null;
      for (const answer of waiting) answer();
    },
    close: () =>
      new Promise((resolve) => {
        endpoint.release();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const index = endpoint.exchanges.push(form) - 1;
      const answer = () => {
        const behavior = endpoint.script(index, form);
        if ('kind' in behavior) {
          req.socket.destroy();
          return;
        }
        res.writeHead(behavior.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(behavior.body));
      };
      if (held) held.push(answer);
      else answer();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(endpoint, { url: `http://127.0.0.1:${port}/oauth/token` });
  return endpoint;
}
