import { z } from 'zod';

/**
 * `server.apiKeys`: the client keys, each a plain key or `{ id, key, limits }`. A key is known
 * by its id in metrics, /admin/usage and logs, never by itself: a plain key's id is `key-<n>`,
 * its position in the list (1-based); give keys ids to keep their counts apart across edits.
 */
const clientKey = z.string().regex(/^[\x21-\x7e]{8,512}$/, {
  error: 'expected 8-512 visible ASCII characters (no spaces, CR or LF)',
});

const clientKeyId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected 1-64 letters, digits, _ . or -' });

/** Per-key limits, counted by this fusebox instance; over either, the key's requests get 429. */
export const clientLimitsSchema = z
  .object({
    /** Requests per clock minute. */
    rpm: z.number().int().positive().optional(),
    /** Input plus output tokens per UTC day, as the upstreams report them. */
    tokensPerDay: z.number().int().positive().optional(),
  })
  .strict();

const clientKeyEntry = z.object({ id: clientKeyId, key: clientKey, limits: clientLimitsSchema.optional() }).strict();

export const clientKeysSchema = z
  .array(z.union([clientKey, clientKeyEntry]))
  .default([])
  .superRefine((keys, ctx) => {
    const seen = new Set<string>();
    keys.forEach((entry, index) => {
      const id = clientKeyIdAt(entry, index);
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate client key id "${id}"` });
      seen.add(id);
    });
  });

export type ClientLimits = Readonly<z.output<typeof clientLimitsSchema>>;
type ClientKeyInput = z.output<typeof clientKeysSchema>[number];

/** One client key with its id (the only name it is known by outside the front door). */
export interface ClientKeyEntry {
  readonly id: string;
  readonly key: string;
  readonly limits?: ClientLimits;
}

export function clientKeyIdAt(entry: ClientKeyInput | Readonly<ClientKeyInput>, index: number): string {
  return typeof entry === 'string' ? `key-${index + 1}` : entry.id;
}

/** The configured keys with their ids. */
export function clientKeyEntries(keys: readonly (string | Readonly<Exclude<ClientKeyInput, string>>)[]): ClientKeyEntry[] {
  return keys.map((entry, index) =>
    typeof entry === 'string' ? { id: clientKeyIdAt(entry, index), key: entry } : { ...entry, id: clientKeyIdAt(entry, index) },
  );
}
