import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redisClass } from './ioredis.js';

/**
 * The instance's two connections to the cluster's Redis: `commands` for short commands (every
 * one bounded: no offline queue, one try, a command timeout) and `reader` for the blocking
 * XREAD of the event stream alone. Both reconnect by themselves; a connection whose Redis stops
 * answering is dropped (and so counts as lost) once an answer is a second past its timeout. Losing Redis is logged once
 * per outage, and its return once; nothing here throws at a caller for it.
 */
export interface RedisLink {
  readonly commands: Redis;
  readonly reader: Redis;
  /** Both connections are up. */
  connected(): boolean;
  /** Resolves once both are up (at once when they are), or when the link is closed. */
  ready(): Promise<void>;
  /** Called each time both connections are up again after a loss (and on the first connect). */
  onReady(listener: () => void): void;
  close(): Promise<void>;
}

export interface RedisLinkOptions {
  readonly url: string;
  /** The URL as it may be logged (no password). */
  readonly shownUrl: string;
  readonly logger: Logger;
  /** Longest wait for a short command's answer. */
  readonly commandTimeoutMs: number;
  /** How long one blocking read waits for entries (the reader's timeout allows for it). */
  readonly blockMs: number;
}

const CONNECT_TIMEOUT_MS = 1_000;
const RETRY_MAX_MS = 1_000;
const HANG_GRACE_MS = 1_000;

export function openRedisLink(options: RedisLinkOptions): RedisLink {
  const { logger } = options;
  const common = {
    protocol: 2 as const,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times: number) => Math.min(50 * times, RETRY_MAX_MS),
  };
  // A Redis that hangs (no answer at all) counts as lost: the socket is dropped a second after a command's timeout.
  const hung = (ms: number) => ({ commandTimeout: ms, socketTimeout: ms + HANG_GRACE_MS });
  const Client = redisClass();
  const commands = new Client(options.url, { ...common, ...hung(options.commandTimeoutMs), connectionName: 'fusebox' });
  const reader = new Client(options.url, { ...common, ...hung(options.blockMs + HANG_GRACE_MS), connectionName: 'fusebox-reader' });
  const listeners: (() => void)[] = [];
  let waiting: (() => void)[] = [];
  let closed = false;
  let up = false;
  let lossLogged = false;

  const connected = () => commands.status === 'ready' && reader.status === 'ready';
  const check = () => {
    if (connected() && !up) {
      up = true;
      if (lossLogged) logger.info({ redis: options.shownUrl }, 'cluster: Redis is reachable again; catching up');
      lossLogged = false;
      for (const resolve of waiting.splice(0)) resolve();
      for (const listener of listeners) listener();
    }
  };
  const lost = (error?: Error) => {
    if (closed) return;
    up = connected();
    if (up || lossLogged) return;
    lossLogged = true;
    logger.warn(
      { redis: options.shownUrl, err: error?.message },
      "cluster: Redis is unreachable; routing on this instance's own state until it returns",
    );
  };
  for (const client of [commands, reader]) {
    client.on('ready', check);
    client.on('error', (error: Error) => lost(error));
    client.on('close', () => lost());
    client.connect().catch((error: unknown) => lost(error as Error));
  }
  return {
    commands,
    reader,
    connected,
    ready: () => (connected() || closed ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve))),
    onReady(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      for (const resolve of waiting.splice(0)) resolve();
      waiting = [];
      reader.disconnect();
      await commands.quit().catch(() => commands.disconnect());
    },
  };
}
