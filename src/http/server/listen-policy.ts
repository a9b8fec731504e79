import { isIP } from 'node:net';

/**
 * Where fusebox may listen. Loopback (127.0.0.0/8, ::1, localhost) is the default and always
 * allowed. Any other address must be set explicitly (server.host or --host) and needs client
 * API keys (server.apiKeys): otherwise fusebox refuses to start, because everyone who can
 * reach the address could spend every key fusebox holds.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || bare.toLowerCase() === '::ffff:127.0.0.1';
  return false;
}

/** Null when `host` may be listened on; otherwise the reason, for the operator. */
export function listenRefusal(server: { readonly host: string; readonly apiKeys: readonly unknown[] }): string | null {
  if (isLoopbackHost(server.host) || server.apiKeys.length > 0) return null;
  return (
    `refusing to listen on ${server.host}: it is not a loopback address and server.apiKeys is empty, ` +
    'so anyone who can reach it could use every configured credential. ' +
    'Set server.apiKeys (e.g. apiKeys: ["${FUSEBOX_API_KEY}"]) or listen on 127.0.0.1.'
  );
}

/** Thrown by Gateway.listen for an address `listenRefusal` refuses. */
export class ListenRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenRefusedError';
  }
}
