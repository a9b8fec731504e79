import { z } from 'zod';
import { noLineBreaks, positiveMs } from './upstream-schemas.js';

/**
 * `cluster`: several fusebox instances share breakers, cooldowns and probe permits through one
 * Redis (docs/cluster.md). Absent: the instance is alone and nothing touches Redis.
 */
export const clusterSchema = z
  .object({
    /** redis://[user:password@]host:port[/db] (or rediss://); take the password from `${ENV}`. */
    redisUrl: noLineBreaks.refine(isRedisUrl, { error: 'expected a redis:// or rediss:// URL' }),
    /** Every key fusebox writes starts with this and a colon; instances sharing state use the same prefix. */
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected 1-64 letters, digits, _ . or -' })
      .default('fusebox'),
    /** The longest a half-open probe waits for Redis to hand out a permit before it goes ahead on the local one. */
    permitWaitMs: positiveMs.max(5_000).default(100),
    /** A probe permit comes back by itself this long after it was taken (its holder may have died). */
    permitLeaseMs: positiveMs.default(60_000),
    /** The cluster's event stream keeps about this many entries. */
    streamMaxLength: z.number().int().min(100).default(10_000),
  })
  .strict();

export function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'redis:' || url.protocol === 'rediss:';
  } catch {
    return false;
  }
}

/** The secrets a cluster config holds: the Redis URL's password (and the URL spelled with it). */
export function clusterSecrets(cluster: { readonly redisUrl: string } | undefined): string[] {
  if (!cluster) return [];
  const url = new URL(cluster.redisUrl);
  if (!url.password) return [];
  return [decodeURIComponent(url.password), url.password];
}

/** The Redis URL as it may be shown: the password replaced. */
export function redactedRedisUrl(redisUrl: string): string {
  const url = new URL(redisUrl);
  if (url.password) url.password = 'redacted';
  return url.toString();
}
