import { z } from 'zod';
import { DEFAULT_PROTOCOL, PROTOCOL_NAMES } from '../http/protocols/registry.js';
import { modelAliasesSchema, modelListingSchema } from './model-listing-schema.js';
import {
  breakerSchema,
  credentialRecheckSchema,
  healthCheckSchema,
  httpUrl,
  isHttpUrl,
  noLineBreaks,
  positiveMs,
  recoverySchema,
  timeoutsSchema,
} from './upstream-schemas.js';
import { checkUpstreamShape, HOP_HEADERS, upstreamShapeFields, withKeylessCredential } from './upstream-shape-schema.js';
import { clientKeysSchema } from './client-keys-schema.js';
import { exactlyOneSecret, oauthSchema } from './oauth-schema.js';
import { continuationSchema, streamsSchema } from './stream-resume-schema.js';
import { clusterSchema } from './cluster-schema.js';

export { breakerSchema, timeoutsSchema } from './upstream-schemas.js';

const corsOrigin = z.string().refine((v) => isHttpUrl(v) && new URL(v).origin === v, {
  error: 'expected an origin such as http://localhost:3000 (scheme, host, port; no path)',
});

const hostHeader = z.string().regex(/^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i, {
  error: 'expected a Host header value such as fusebox.lan:8765',
});

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
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected 1-64 letters, digits, _ . or -' })
      .optional(),
    apiKey: noLineBreaks.min(1, { error: 'must not be empty' }).optional(),
    oauth: oauthSchema.optional(),
    quota: quotaSchema.optional(),
    /** Share of the quota (0–1) kept back: under it the credential is used only when no other is left. */
    reserve: z.number().min(0).max(1).optional(),
  })
  .strict()
  .superRefine(exactlyOneSecret);

const UNFORWARDABLE = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'x-goog-api-key', 'cookie', ...HOP_HEADERS]);

const headerName = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, { error: 'expected a lower-case header name' })
  .refine((name) => !UNFORWARDABLE.has(name), { error: 'credentials and hop-by-hop headers are never forwarded' });

const backendSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
      error: 'expected 1-64 letters, digits, _ . or -',
    }),
    kind: z.enum(PROTOCOL_NAMES).default(DEFAULT_PROTOCOL),
    priority: z.number().int().min(0).default(0),
    models: z.array(z.string().min(1)).min(1).default(['*']),
    modelAliases: modelAliasesSchema,
    baseUrls: z.array(httpUrl).min(1, { error: 'at least one base URL is required' }),
    credentials: z.array(credentialSchema).default([]),
    timeouts: timeoutsSchema.prefault({}),
    breaker: breakerSchema.prefault({}),
    /** At most this many requests in flight to this backend; when full, others are tried, then 503. */
    maxConcurrent: z.number().int().positive().optional(),
    /** openai kind: the upstream only streams; non-streamed requests are streamed and collected. */
    streamOnly: z.boolean().default(false),
    /** `auto`: non-streamed requests its protocol can collect go upstream as streams, collected (as for streamOnly). */
    streamForJson: z.enum(['never', 'auto']).default('never'),
    healthCheck: healthCheckSchema.optional(),
    recovery: recoverySchema.optional(),
    /** Re-check schedule of credentials this backend refused (401/403). */
    credentialRecheck: credentialRecheckSchema.prefault({}),
    /** Client request headers forwarded to this backend beyond the protocol's allow-list. */
    forwardHeaders: z.array(headerName).default([]),
    /** anthropic kind: `anthropic-version` sent when the client sends none. */
    anthropicVersion: noLineBreaks.min(1).default('2023-06-01'),
    /** Serve requests of other protocols, translated (docs/translation.md); needs routing.crossProtocol. */
    acceptTranslated: z.boolean().default(true),
    /** The max_tokens sent when a translated request names none and this backend's protocol requires one. */
    defaultMaxTokens: z.number().int().positive().optional(),
    ...upstreamShapeFields,
    continuation: continuationSchema,
  })
  .strict()
  .superRefine(checkUpstreamShape)
  .transform(withKeylessCredential);

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
    apiKeys: clientKeysSchema,
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
    /** Graceful shutdown: how long in-flight requests may run on before they are ended. */
    shutdownGraceMs: positiveMs.default(30_000),
    /** Largest non-streamed upstream response body accepted. */
    maxResponseBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** Bearer token of the admin API (/admin/*); without one the admin API is off. */
    adminToken: noLineBreaks.min(16, { error: 'must be at least 16 characters' }).optional(),
  })
  .strict()
  .refine((server) => server.headersTimeoutMs <= server.requestTimeoutMs, {
    error: 'must not be longer than server.requestTimeoutMs',
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
    /** Before switching to another model: a 429 hint up to this long is waited out on the same model (0 = never). */
    sameModelRetryMaxMs: z.number().int().min(0).max(60_000).default(5000),
    /** The same-model retry after a first transient 5xx waits this long, jittered ×0.5–1.5 (at most sameModelRetryMaxMs). */
    sameModelRetryBackoffMs: z.number().int().min(1).max(60_000).default(500),
    /** Chat requests may be served, translated, by backends of another kind (docs/translation.md). */
    crossProtocol: z.boolean().default(true),
  })
  .strict();

const poolNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected 1-64 letters, digits, _ . or -' });

/** A named model pool: the models it matches, where it falls back to, and how names map there. */
const modelPoolSchema = z
  .object({
    match: z.array(z.string().min(1)).min(1),
    fallback: poolNameSchema.optional(),
    /** Model names (or globs) of this pool → the model to ask the fallback pool for. */
    mapModels: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** The pool breaker, per (backend, pool); the backend's breaker settings when absent. */
    breaker: breakerSchema.optional(),
    /** A larger-context pool tried once when an upstream says the request exceeds the model's context. */
    contextFallback: poolNameSchema.optional(),
    /** Model names (or globs) of this pool → the model to ask the context fallback pool for. */
    contextMapModels: z.record(z.string().min(1), z.string().min(1)).default({}),
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
      for (const key of ['fallback', 'contextFallback'] as const) {
        const target = pool[key];
        if (target === undefined) continue;
        if (target === name || !(target in pools)) {
          const what = key === 'fallback' ? 'fallback' : 'context fallback';
          ctx.addIssue({ code: 'custom', path: [name, key], message: `unknown ${what} pool "${target}"` });
        }
      }
    }
  });

/**
 * The shape of fusebox.yaml. Parsed once at boot; the parsed object is deep-frozen.
 * Every default here is documented in docs/configuration.md.
 */
export const configSchema = z
  .object({
    server: serverSchema.prefault({}),
    dataDir: z.string().min(1).default('./.fusebox'),
    /** Record every actor event to this NDJSON file (see docs/replay.md); `--record` overrides. */
    eventLog: z.string().min(1).optional(),
    routing: routingSchema.prefault({}),
    streams: streamsSchema.prefault({}),
    cluster: clusterSchema.optional(),
    modelPools: modelPoolsSchema,
    modelListing: modelListingSchema,
    backends: z
      .array(backendSchema)
      .min(1, { error: 'at least one backend is required' })
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
