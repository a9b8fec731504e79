import { createRequire } from 'node:module';
import type * as IoRedis from 'ioredis';

const requireHere = createRequire(import.meta.url);

/**
 * ioredis's client class, loaded by the first call: a gateway without a cluster never loads
 * the package (5–6 MB of resident memory in a gateway), and `fusebox start` pays for it only with `cluster:` set.
 * Everything in src/cluster that opens a connection takes the class from here.
 */
export function redisClass(): typeof IoRedis.Redis {
  return (requireHere('ioredis') as typeof IoRedis).Redis;
}
