import type { BreakerInput } from '../machines/breaker.js';
import { EVENT_LOG_FORMAT, type EventLogHeader, type EventLogLine } from '../replay/event-log.js';
import { clusterKeys, readEntry, type Entry } from './wire.js';
import { redisClass } from './ioredis.js';

/**
 * The cluster-wide event log: the cluster's stream (every shared change of every instance, in
 * the order Redis received them), as an NDJSON event log that `fusebox replay` reads. Its
 * header holds the layout the instances wrote and fresh snapshots (the stream is trimmed to
 * about `streamMaxLength` entries; each entry carries whole shared parts, so a log that starts
 * late still ends in the cluster's state). Credentials are named as the layout names them, by slot.
 */
export class ClusterLogError extends Error {}

const PAGE = 1_000;
const TIMEOUT_MS = 5_000;

export async function readClusterLog(redisUrl: string, keyPrefix: string, version: string): Promise<string> {
  const keys = clusterKeys(keyPrefix);
  const Client = redisClass();
  const redis = new Client(redisUrl, {
    protocol: 2,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const layoutJson = await redis.get(keys.layout);
    if (layoutJson === null) throw new ClusterLogError(`no fusebox cluster under the key prefix "${keyPrefix}" (no ${keys.layout})`);
    const layout = JSON.parse(layoutJson) as BreakerInput[];
    const lines: EventLogLine[] = [];
    let start = '-';
    for (;;) {
      const page = await redis.xrange(keys.events, start, '+', 'COUNT', PAGE);
      for (const [, fields] of page) {
        const entry = readEntry(fields);
        if (entry) lines.push(lineOf(entry, layout));
      }
      if (page.length < PAGE) break;
      start = `(${page.at(-1)![0]}`;
    }
    const header: EventLogHeader = { format: EVENT_LOG_FORMAT, fusebox: version, at: lines[0]?.at ?? 0, layout, snapshots: {} };
    return [header, ...lines].map((line) => JSON.stringify(line)).join('\n') + '\n';
  } finally {
    redis.disconnect();
  }
}

function lineOf(entry: Entry, layout: readonly BreakerInput[]): EventLogLine {
  const { credentials, ...event } = entry.event;
  const ids = layout.find((input) => input.id === entry.actorId)?.credentials ?? [];
  const named = (credentials ?? []).map(({ slot, ...credential }) => ({ ...credential, id: ids[slot]?.id ?? credential.id }));
  return { at: event.at, actor: entry.actorId, event: { ...event, ...(named.length ? { credentials: named } : {}) } };
}
