import { z } from 'zod';
import { positiveMs } from './upstream-schemas.js';

/**
 * How fusebox learns the models of backends whose `models` has a glob: it asks the upstream's
 * own listing, caches it, and refreshes it in the background (docs/protocols.md#model-listings).
 */
export const modelListingSchema = z
  .object({
    /** A cached upstream listing is asked again this often, in the background. */
    refreshMs: positiveMs.default(600_000),
    /** One upstream listing (every page, every BaseURL tried) must answer within this. */
    timeoutMs: positiveMs.default(10_000),
    /** A client's listing waits at most this long for a backend that has not been listed yet. */
    firstWaitMs: z.number().int().min(0).default(3000),
  })
  .strict()
  .prefault({});

/** A backend's `modelAliases`: the client's model name → the name its upstream knows it by. */
export const modelAliasesSchema = z.record(z.string().min(1).max(256), z.string().min(1).max(256)).default({});
