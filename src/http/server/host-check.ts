import { isLoopbackHost } from './listen-policy.js';

/**
 * DNS-rebinding guard. A web page can make a browser send requests to 127.0.0.1 under a
 * name the attacker controls; the browser then sends that name in `Host`. On loopback,
 * only `localhost`, `127.0.0.1` and `[::1]` with the listening port (or an entry of
 * server.allowedHosts, matched exactly) are accepted. Beyond loopback client keys are
 * mandatory, so the Host check applies only when server.allowedHosts is non-empty.
 */
export type HostCheck = (hostHeader: string | undefined, localPort: number | undefined) => boolean;

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export function createHostCheck(server: { readonly host: string; readonly allowedHosts: readonly string[] }): HostCheck {
  const extra = new Set(server.allowedHosts.map((h) => h.toLowerCase()));
  const enforced = isLoopbackHost(server.host) || extra.size > 0;
  return (hostHeader, localPort) => {
    if (!enforced) return true;
    if (hostHeader === undefined || localPort === undefined) return false;
    const host = hostHeader.toLowerCase();
    if (extra.has(host)) return true;
    for (const name of LOOPBACK_NAMES) {
      if (host === `${name}:${localPort}`) return true;
      if (localPort === 80 && host === name) return true;
    }
    return false;
  };
}

/** How many Host fields `rawHeaders` (node's name, value, name, value... list) carries; node keeps only the first. */
export function hostHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === 'host') count += 1;
  }
  return count;
}
