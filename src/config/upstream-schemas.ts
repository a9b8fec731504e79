import { z } from 'zod';

/** The parts of a backend's config that describe its upstream's timing, breaker and probes. */

export const httpUrl = z.string().refine(isHttpUrl, { error: 'expected an http(s) URL without user:password' });

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
  } catch {
    return false;
  }
}

export const noLineBreaks = z.string().refine((v) => !/[\r\n]/.test(v), {
  error: 'must not contain CR or LF',
});

export const positiveMs = z.number().int().positive();

export const timeoutsSchema = z
  .object({
    connectMs: positiveMs.default(10_000),
    firstChunkMs: positiveMs.default(15_000),
    /** Non-streamed requests: request written → response headers, per attempt (see docs/configuration.md). */
    firstByteMs: positiveMs.default(120_000),
    idleMs: positiveMs.default(60_000),
    totalMs: positiveMs.default(600_000),
    /** streamOnly backends: the longest a collected (non-streamed) answer may take; default totalMs. */
    collectMs: positiveMs.optional(),
  })
  .strict();

export const breakerSchema = z
  .object({
    failureThreshold: z.number().int().min(1).default(5),
    recoveryMs: positiveMs.default(300_000),
    halfOpenProbes: z.number().int().min(1).default(1),
    /** Optional: also open when ≥ thresholdPercent of the last `window` calls failed. */
    failureRate: z
      .object({
        thresholdPercent: z.number().min(1).max(100),
        window: z.number().int().min(1).max(1000).default(20),
        minimumCalls: z.number().int().min(1).default(10),
      })
      .strict()
      .optional(),
    /** Optional: a time to first byte over this counts as a failure (the answer still reaches the client). */
    slowCallMs: positiveMs.optional(),
    /** A re-open within reopenWindowMs of closing multiplies the open time, up to maxRecoveryMs
     *  (defaults 2, 300 000 and 1 800 000, applied in src/actors/layout.ts). */
    reopenMultiplier: z.number().min(1).max(100).optional(),
    reopenWindowMs: positiveMs.optional(),
    maxRecoveryMs: positiveMs.optional(),
  })
  .strict();

export const healthCheckSchema = z
  .object({
    /** GET on each BaseURL + path, e.g. `/models`; 2xx = alive, 5xx/408/network/timeout = dead. */
    path: z.string().regex(/^\/[^\s]*$/, { error: 'expected a path starting with /' }),
    intervalMs: positiveMs.default(30_000),
    timeoutMs: positiveMs.default(5_000),
  })
  .strict();

const probePath = z.string().regex(/^\/[^\s]*$/, { error: 'expected a path starting with /' });

/**
 * What an active recovery probe asks: a GET of `path` (the models listing by default), or a
 * tiny real completion for `model` (`maxTokens` of output; `body`, when given, is sent instead
 * of the built request, e.g. for a reasoning model's own token field).
 */
const recoveryProbeSchema = z.union([
  z.object({ path: probePath }).strict(),
  z
    .object({
      model: z.string().min(1),
      maxTokens: z.number().int().min(1).max(4096).default(16),
      path: probePath.optional(),
      body: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
]);

/** Active recovery: while this backend's (or a BaseURL's) breaker is open, fusebox probes it itself. */
export const recoverySchema = z
  .object({
    /** First probe this long after the breaker opened; each failed probe multiplies the gap… */
    intervalMs: positiveMs.default(10_000),
    multiplier: z.number().min(1).max(10).default(2),
    /** …up to this. */
    maxIntervalMs: positiveMs.default(60_000),
    timeoutMs: positiveMs.default(10_000),
    /** Default: GET `/models` of the BaseURL (every kind lists models there). */
    probe: recoveryProbeSchema.optional(),
  })
  .strict();

/**
 * When a refused (401/403) credential is tried again: a (BaseURL, credential) pair, or a
 * credential every BaseURL refused, after `afterMs`; each refusal in a row multiplies the wait
 * by `multiplier`, up to `maxMs`. A success or an operator reset ends the schedule.
 */
export const credentialRecheckSchema = z
  .object({
    afterMs: positiveMs.default(600_000),
    multiplier: z.number().min(1).max(10).default(2),
    maxMs: positiveMs.default(21_600_000),
  })
  .strict();

/** Never forwardable: client credentials, cookies, and headers fusebox itself sets. */
