import type { FuseboxConfig } from './config/schema.js';

/**
 * Free-text secret scrubbing: every configured secret value (upstream credentials, client
 * keys) is replaced wherever it appears in a string, in its raw, JSON-escaped and
 * URL-encoded spellings. Used on every serialized log line and on upstream error bodies
 * before a client sees them. Secrets shorter than MIN_SCRUBBED_LENGTH are left to the
 * path-based redaction: replacing a 3-letter string everywhere would garble every line.
 */
export const MIN_SCRUBBED_LENGTH = 8;
export const REDACTED = '[redacted]';

export interface Scrubber {
  /** `text` with every secret replaced by `[redacted]` (the same string when none occurs). */
  scrub(text: string): string;
  /** True when `text` contains any secret in any spelling. */
  contains(text: string): boolean;
}

export function createScrubber(secrets: Iterable<string>): Scrubber {
  const needles = spellings(secrets);
  return {
    scrub(text) {
      let out = text;
      for (const needle of needles) {
        if (out.includes(needle)) out = out.split(needle).join(REDACTED);
      }
      return out;
    },
    contains(text) {
      return needles.some((needle) => text.includes(needle));
    },
  };
}

/** Every secret value the config holds: upstream credentials, client API keys, the admin token. */
export function configSecrets(config: FuseboxConfig): string[] {
  const secrets = [...config.server.apiKeys];
  if (config.server.adminToken !== undefined) secrets.push(config.server.adminToken);
  for (const backend of config.backends) {
    for (const credential of backend.credentials) secrets.push(credential.apiKey);
  }
  return secrets;
}

/** Longest first, so a secret that contains another is replaced whole. */
function spellings(secrets: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SCRUBBED_LENGTH) continue;
    out.add(secret);
    out.add(JSON.stringify(secret).slice(1, -1));
    out.add(encodeURIComponent(secret));
  }
  return [...out].sort((a, b) => b.length - a.length);
}
