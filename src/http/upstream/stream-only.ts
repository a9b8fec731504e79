import type { BackendConfig } from '../../config/schema.js';
import type { Job, UpstreamReply } from '../../routing/types.js';
import { UpstreamBodyError } from '../../routing/types.js';
import { drainBounded } from '../../routing/bounded-body.js';
import { protocolSpec } from '../protocols/registry.js';
import type { StreamCollection } from '../protocols/types.js';
import { memoryBody, type UsageOf } from './body-queue.js';

/**
 * `streamOnly` backends (and `streamForJson: auto` ones): a non-streamed request the backend's protocol can collect (its
 * spec's `collect`) is sent upstream as a stream, and the stream is collected into one JSON
 * reply before anything reaches the client, so every failure along the way can still fail
 * over. Only these requests have their body rewritten.
 */
export function collectsStream(backend: BackendConfig, job: Job): StreamCollection | null {
  if (!(backend.streamOnly || backend.streamForJson === 'auto') || job.stream) return null;
  const collect = protocolSpec(backend.kind).collect;
  return collect !== null && collect.upstreamPaths.has(job.upstreamPath) ? collect : null;
}

/** The client's body rewritten to ask for a stream. */
export function streamingBody(collect: StreamCollection, body: Buffer): Buffer {
  return collect.streamingBody(body);
}

/** Reads a proven stream to its end and answers with the collected JSON, or a failure. */
export async function collectReply(
  collect: StreamCollection,
  reply: Extract<UpstreamReply, { kind: 'response' }>,
  limit: number,
  now: () => number,
  usageOf?: UsageOf,
): Promise<UpstreamReply> {
  const started = now() - reply.headersAfterMs;
  const collector = collect.collector();
  try {
    await drainBounded(reply.body, limit, { reject: 'response_too_large' }, (chunk) => collector.push(chunk));
    const json = collector.result();
    const headers = { ...reply.headers, 'content-type': 'application/json' };
    return { kind: 'response', status: reply.status, headers, body: memoryBody(json, undefined, usageOf), headersAfterMs: reply.headersAfterMs };
  } catch (error) {
    const code = error instanceof UpstreamBodyError ? error.code : 'collect_error';
    return { kind: 'failed', code, message: (error as Error).message, afterMs: now() - started };
  }
}
