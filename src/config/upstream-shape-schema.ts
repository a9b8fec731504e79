import { z } from 'zod';
import { protocolSpec } from '../http/protocols/registry.js';
import { noLineBreaks } from './upstream-schemas.js';

/**
 * How a backend's upstream wants to be addressed beyond its kind's defaults: the credential's
 * header and prefix (or none at all), extra query parameters and extra headers. A BaseURL may
 * hold a `{model}` placeholder in its path, filled with the model of each request (Azure
 * OpenAI's deployment paths). The transport applies all of it (src/http/upstream/upstream-shape.ts).
 */

/** The model placeholder of a BaseURL's path. */
export const MODEL_PLACEHOLDER = '{model}';

/** The id of the one credential a keyless (`auth: none`) backend gets when it names none. */
export const KEYLESS_CREDENTIAL_ID = 'keyless';

const token = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** Headers that belong to one hop (never forwarded, never configured), with the framing ones. */
export const HOP_HEADERS = ['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer'];

/** Headers fusebox itself sets or that belong to one hop: never configurable. */
const RESERVED_HEADERS = new Set([...HOP_HEADERS, 'content-type', 'proxy-authorization', 'x-request-id']);

const NOT_A_HEADER_NAME = "expected a header name (letters, digits and !#$%&'*+.^_`|~-)";
const RESERVED = 'fusebox sets this header itself';

const headerName = z
  .string()
  .regex(token, { error: NOT_A_HEADER_NAME })
  .transform((name) => name.toLowerCase())
  .refine((name) => !RESERVED_HEADERS.has(name), { error: RESERVED });

/**
 * A header or query value. A value written with a `${VAR}` placeholder (marked by
 * `markSecretSettings` before the schema runs) or as `{ secret: "…" }` is a secret: it is
 * scrubbed from logs and error bodies like an API key.
 */
const text = z.union([noLineBreaks, z.number().transform(String)]);

const settingValue = z
  .union([text, z.object({ secret: text }).strict()])
  .transform((value) => (typeof value === 'string' ? { value, secret: false } : { value: value.secret, secret: true }));

export type SettingValue = z.output<typeof settingValue>;

const authSchema = z.union([
  z.literal('none'),
  z
    .object({
      header: headerName,
      /** Written before the secret, e.g. `Bearer ` (with its space). */
      prefix: noLineBreaks.default(''),
    })
    .strict(),
]);

/** Header names, checked here (a record's key errors lose their message) and lower-cased. */
const headersSchema = z
  .record(z.string(), settingValue)
  .superRefine((headers, ctx) => {
    const seen = new Set<string>();
    for (const name of Object.keys(headers)) {
      const lower = name.toLowerCase();
      const problem = !token.test(name)
        ? NOT_A_HEADER_NAME
        : RESERVED_HEADERS.has(lower)
          ? RESERVED
          : seen.has(lower)
            ? 'named twice (header names ignore case)'
            : undefined;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: problem });
      seen.add(lower);
    }
  })
  .transform((headers) => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])));

const querySchema = z.record(z.string(), settingValue).superRefine((query, ctx) => {
  for (const name of Object.keys(query)) {
    if (!/^[^\s&=#]{1,128}$/.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'expected a query parameter name' });
  }
});

/** The fields a backend gets from this file (spread into the backend schema). */
export const upstreamShapeFields = {
  /** The credential's header and prefix; `none` sends no credential. Default: the kind's own. */
  auth: authSchema.optional(),
  /** Query parameters added to every upstream request of this backend (probes too). */
  query: querySchema.default({}),
  /** Headers added to every upstream request of this backend (probes too); they win over forwarded client headers. */
  headers: headersSchema.default({}),
};

interface ShapedBackend {
  readonly kind: string;
  readonly auth?: z.output<typeof authSchema> | undefined;
  readonly headers: Readonly<Record<string, SettingValue>>;
  readonly baseUrls: readonly string[];
  readonly credentials: readonly unknown[];
  readonly models: readonly string[];
  readonly healthCheck?: unknown;
  readonly recovery?: { readonly probe?: object | undefined } | undefined;
}

/** Cross-field checks of the shape settings (a backend schema's superRefine). */
export function checkUpstreamShape(backend: ShapedBackend, ctx: z.RefinementCtx): void {
  const keyless = backend.auth === 'none';
  if (!keyless && backend.credentials.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'at least one credential is required (or `auth: none`)' });
  }
  if (keyless && backend.credentials.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'a backend with `auth: none` sends no credential: remove its credentials' });
  }
  const authHeader = keyless ? undefined : (backend.auth?.header ?? protocolSpec(backend.kind).auth.header);
  if (authHeader !== undefined && authHeader in backend.headers) {
    ctx.addIssue({ code: 'custom', path: ['headers', authHeader], message: 'this is the auth header: the credential goes there' });
  }
  backend.baseUrls.forEach((url, index) => {
    if (/[?#]/.test(url)) {
      ctx.addIssue({ code: 'custom', path: ['baseUrls', index], message: 'a BaseURL has no query or fragment: put query parameters in `query`' });
    }
    if (!url.includes(MODEL_PLACEHOLDER)) return;
    if (!placeholderInPath(url)) {
      ctx.addIssue({ code: 'custom', path: ['baseUrls', index], message: `${MODEL_PLACEHOLDER} may stand only in the path` });
    } else if ((backend.healthCheck !== undefined || backend.recovery !== undefined) && probeModel(backend) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrls', index],
        message: `probes need a model for ${MODEL_PLACEHOLDER}: name one in models (not a glob) or in recovery.probe.model`,
      });
    }
  });
}

/** A keyless backend that names no credential gets one, so its pool has something to check out. */
export function withKeylessCredential<T extends { readonly auth?: unknown; readonly credentials: readonly unknown[] }>(backend: T): T {
  if (backend.auth !== 'none' || backend.credentials.length > 0) return backend;
  return { ...backend, credentials: [{ id: KEYLESS_CREDENTIAL_ID, apiKey: '' }] };
}

/** The model a probe puts in a BaseURL's `{model}`: the recovery probe's, else the first model that is not a glob. */
export function probeModel(backend: Pick<ShapedBackend, 'models' | 'recovery'>): string | undefined {
  const probe = backend.recovery?.probe;
  if (probe !== undefined && 'model' in probe && typeof probe.model === 'string') return probe.model;
  return backend.models.find((model) => !model.includes('*'));
}

function placeholderInPath(url: string): boolean {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  return pathStart >= 0 && url.indexOf(MODEL_PLACEHOLDER) > pathStart;
}

/**
 * Marks the header and query values the raw (uninterpolated) config wrote with a `${VAR}`
 * placeholder as secrets (`{ secret: value }`) in the interpolated tree, which it returns.
 */
export function markSecretSettings(raw: unknown, interpolated: unknown): unknown {
  const rawBackends = field(raw, 'backends');
  const backends = field(interpolated, 'backends');
  if (!Array.isArray(rawBackends) || !Array.isArray(backends)) return interpolated;
  const marked = backends.map((backend: unknown, index) => {
    let out = backend;
    for (const key of ['headers', 'query']) {
      const rawValues = field(rawBackends[index], key);
      const values = field(backend, key);
      if (!isRecord(rawValues) || !isRecord(values)) continue;
      const next = { ...values };
      for (const [name, value] of Object.entries(rawValues)) {
        if (typeof value === 'string' && value.includes('${') && typeof next[name] === 'string') next[name] = { secret: next[name] };
      }
      out = { ...(out as Record<string, unknown>), [key]: next };
    }
    return out;
  });
  return { ...(interpolated as Record<string, unknown>), backends: marked };
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
