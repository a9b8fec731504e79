import { z } from 'zod';

/**
 * The shape of fusebox.yaml. Parsed once at boot; the parsed object is deep-frozen.
 * Every default here is documented in docs/configuration.md.
 */

const httpUrl = z.string().refine(isHttpUrl, { message: 'expected an http(s) URL without user:password' });

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
  } catch {
    return false;
  }
}

const noLineBreaks = z.string().refine((v) => !/[\r\n]/.test(v), {
  message: 'must not contain CR or LF',
});

const positiveMs = z.number().int().positive();

const clientKey = z.string().regex(/^[\x21-\x7e]{8,512}$/, {
  message: 'expected 8-512 visible ASCII characters (no spaces, CR or LF)',
});

const corsOrigin = z.string().refine((v) => isHttpUrl(v) && new URL(v).origin === v, {
  message: 'expected an origin such as http://localhost:3000 (scheme, host, port; no path)',
});

const hostHeader = z.string().regex(/^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i, {
  message: 'expected a Host header value such as fusebox.lan:8765',
});

export const timeoutsSchema = z
  .object({
    connectMs: positiveMs.default(10_000),
    firstChunkMs: positiveMs.default(15_000),
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

const quotaSchema = z
  .object({
    requests: z.number().int().positive(),
    per: z.enum(['minute', 'hour', 'day']),
  })
  .strict();

const credentialSchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'expected 1-64 letters, digits, _ . or -' })
      .optional(),
    apiKey: noLineBreaks.min(1, { message: 'must not be empty' }),
    quota: quotaSchema.optional(),
    /** Share of the quota (0–1) kept back: under it the credential is used only when no other is left. */
    reserve: z.number().min(0).max(1).optional(),
  })
  .strict();

const healthCheckSchema = z
  .object({
    /** GET on each BaseURL + path, e.g. `/models`; 2xx = alive, 5xx/408/network/timeout = dead. */
    path: z.string().regex(/^\/[^\s]*$/, { message: 'expected a path starting with /' }),
    intervalMs: positiveMs.default(30_000),
    timeoutMs: positiveMs.default(5_000),
  })
  .strict();

const probePath = z.string().regex(/^\/[^\s]*$/, { message: 'expected a path starting with /' });

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
const recoverySchema = z
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

/** Never forwardable: client credentials, cookies, and headers fusebox itself sets. */
const UNFORWARDABLE = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-goog-api-key',
  'cookie',
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
]);

const headerName = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, { message: 'expected a lower-case header name' })
  .refine((name) => !UNFORWARDABLE.has(name), { message: 'credentials and hop-by-hop headers are never forwarded' });

const backendSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
      message: 'expected 1-64 letters, digits, _ . or -',
    }),
    kind: z.enum(['openai', 'anthropic', 'gemini']).default('openai'),
    priority: z.number().int().min(0).default(0),
    models: z.array(z.string().min(1)).min(1).default(['*']),
    baseUrls: z.array(httpUrl).min(1, { message: 'at least one base URL is required' }),
    credentials: z.array(credentialSchema).min(1, { message: 'at least one credential is required' }),
    timeouts: timeoutsSchema.prefault({}),
    breaker: breakerSchema.prefault({}),
    /** At most this many requests in flight to this backend; when full, others are tried, then 503. */
    maxConcurrent: z.number().int().positive().optional(),
    /** openai kind: the upstream only streams; non-streamed requests are streamed and collected. */
    streamOnly: z.boolean().default(false),
    healthCheck: healthCheckSchema.optional(),
    recovery: recoverySchema.optional(),
    /** Client request headers forwarded to this backend beyond the protocol's allow-list. */
    forwardHeaders: z.array(headerName).default([]),
    /** anthropic kind: `anthropic-version` sent when the client sends none. */
    anthropicVersion: noLineBreaks.min(1).default('2023-06-01'),
  })
  .strict();

const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8765),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024),
    maxConcurrent: z.number().int().positive().default(256),
    maxQueued: z.number().int().min(0).default(1024),
    /** Client API keys (from the environment); when any is set, every /v1 and /v1beta request needs one. */
    apiKeys: z.array(clientKey).default([]),
    /** Browser origins granted CORS; none by default (no `*`, ever). */
    cors: z
      .object({ origins: z.array(corsOrigin).default([]) })
      .strict()
      .prefault({}),
    /** Host header values accepted besides localhost, 127.0.0.1 and [::1] on the listening port. */
    allowedHosts: z.array(hostHeader).default([]),
    /** Slow-loris guards: the whole header block, and the whole request, must arrive within these. */
    headersTimeoutMs: positiveMs.default(30_000),
    requestTimeoutMs: positiveMs.default(300_000),
    /** Largest non-streamed upstream response body accepted. */
    maxResponseBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** Bearer token of the admin API (/admin/*); without one the admin API is off. */
    adminToken: noLineBreaks.min(16, { message: 'must be at least 16 characters' }).optional(),
  })
  .strict()
  .refine((server) => server.headersTimeoutMs <= server.requestTimeoutMs, {
    message: 'must not be longer than server.requestTimeoutMs',
    path: ['headersTimeoutMs'],
  });

const routingSchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(20).default(4),
    /** Retries in a sliding 10 s window may not exceed max(share × requests, minPerSecond × 10). */
    retryBudget: z
      .object({
        share: z.number().min(0).max(10).default(0.2),
        minPerSecond: z.number().min(0).default(3),
      })
      .strict()
      .prefault({}),
    /** When every route is cooling down, wait this long at most for the earliest to recover (0 = fail at once). */
    waitForRecoveryMs: z.number().int().min(0).max(600_000).default(0),
  })
  .strict();

const poolNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'expected 1-64 letters, digits, _ . or -' });

/** A named model pool: the models it matches, where it falls back to, and how names map there. */
const modelPoolSchema = z
  .object({
    match: z.array(z.string().min(1)).min(1),
    fallback: poolNameSchema.optional(),
    /** Model names (or globs) of this pool → the model to ask the fallback pool for. */
    mapModels: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** The pool breaker, per (backend, pool); the backend's breaker settings when absent. */
    breaker: breakerSchema.optional(),
  })
  .strict();

const modelPoolsSchema = z
  .record(poolNameSchema, modelPoolSchema)
  .default({})
  .superRefine((pools, ctx) => {
    for (const [name, pool] of Object.entries(pools)) {
      if (name === 'default') {
        ctx.addIssue({ code: 'custom', path: [name], message: '"default" is reserved for models no pool matches' });
      }
      if (pool.fallback === undefined) continue;
      if (pool.fallback === name || !(pool.fallback in pools)) {
        ctx.addIssue({ code: 'custom', path: [name, 'fallback'], message: `unknown fallback pool "${pool.fallback}"` });
      }
    }
  });

export const configSchema = z
  .object({
    server: serverSchema.prefault({}),
    dataDir: z.string().min(1).default('./.fusebox'),
    /** Record every actor event to this NDJSON file (see docs/replay.md); `--record` overrides. */
    eventLog: z.string().min(1).optional(),
    routing: routingSchema.prefault({}),
    modelPools: modelPoolsSchema,
    backends: z
      .array(backendSchema)
      .min(1, { message: 'at least one backend is required' })
      .superRefine((backends, ctx) => {
        const seen = new Set<string>();
        backends.forEach((backend, index) => {
          if (seen.has(backend.id)) {
            ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate backend id "${backend.id}"` });
          }
          seen.add(backend.id);
          const credentialIds = new Set<string>();
          backend.credentials.forEach((credential, ci) => {
            if (credential.id === undefined) return;
            if (credentialIds.has(credential.id)) {
              ctx.addIssue({
                code: 'custom',
                path: [index, 'credentials', ci, 'id'],
                message: `duplicate credential id "${credential.id}"`,
              });
            }
            credentialIds.add(credential.id);
          });
        });
      }),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
type ParsedConfig = z.output<typeof configSchema>;
export type BackendConfig = DeepReadonly<ParsedConfig['backends'][number]>;
export type CredentialConfig = BackendConfig['credentials'][number];
export type TimeoutsConfig = BackendConfig['timeouts'];
export type BreakerConfig = BackendConfig['breaker'];
export type RecoveryConfig = NonNullable<BackendConfig['recovery']>;
export type ModelPoolConfig = DeepReadonly<ParsedConfig['modelPools'][string]>;
export type FuseboxConfig = DeepReadonly<ParsedConfig>;

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
