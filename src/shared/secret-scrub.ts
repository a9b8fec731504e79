import type { FuseboxConfig } from '../config/schema.js';
import { clusterSecrets } from '../config/cluster-schema.js';

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
  const index = tailIndex(spellings(secrets));
  return {
    scrub(text) {
      const found = matches(text, index, false);
      return found.length === 0 ? text : replaceRanges(text, found);
    },
    contains(text) {
      return matches(text, index, true).length > 0;
    },
  };
}

/**
 * A scrubber that learns the secrets of a reloaded config and never forgets one (a key removed
 * from the config may still turn up in a late log line). The log's scrubber is one.
 */
export interface GrowingScrubber extends Scrubber {
  add(secrets: Iterable<string>): void;
}

export function createGrowingScrubber(secrets: Iterable<string>): GrowingScrubber {
  const known = new Set(secrets);
  let current = createScrubber(known);
  return {
    scrub: (text) => current.scrub(text),
    contains: (text) => current.contains(text),
    add(more) {
      const before = known.size;
      for (const secret of more) known.add(secret);
      if (known.size !== before) current = createScrubber(known);
    },
  };
}

/**
 * Secrets are found in one pass over the text whatever their number (a log line with 10,000
 * configured keys costs what it costs with ten): each spelling is indexed by a rolling hash of
 * its last WINDOW characters, the text's windows are hashed as the pass goes, and only the
 * spellings whose tail hash matches are compared. Keys share prefixes (`sk-proj-`), not tails.
 */
const WINDOW = MIN_SCRUBBED_LENGTH;
const BASE = 31;
const BASE_POW = Array.from({ length: WINDOW - 1 }).reduce<number>((p) => Math.imul(p, BASE), 1);

/**
 * Spellings by tail hash, and a bit per hash (a filter small enough to stay in the CPU cache)
 * so that most windows of a text are ruled out without a lookup in a map of 30,000 entries.
 */
interface TailIndex {
  readonly buckets: ReadonlyMap<number, readonly string[]>;
  readonly filter: Uint32Array;
  readonly mask: number;
}

function tailIndex(needles: readonly string[]): TailIndex {
  const buckets = new Map<number, string[]>();
  const bits = Math.min(1 << 20, Math.max(1 << 10, 2 ** Math.ceil(Math.log2(needles.length * 32 || 1))));
  const filter = new Uint32Array(bits >>> 5);
  const mask = bits - 1;
  for (const needle of needles) {
    const key = windowHash(needle, needle.length - WINDOW);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(needle);
    else buckets.set(key, [needle]);
    filter[(key & mask) >>> 5]! |= 1 << (key & 31);
  }
  return { buckets, filter, mask };
}

function windowHash(text: string, start: number): number {
  let hash = 0;
  for (let i = start; i < start + WINDOW; i++) hash = (Math.imul(hash, BASE) + text.charCodeAt(i)) | 0;
  return hash;
}

/** [start, end) of every spelling found in `text` (just the first when `firstOnly`). */
function matches(text: string, index: TailIndex, firstOnly: boolean): [number, number][] {
  const found: [number, number][] = [];
  const { buckets, filter, mask } = index;
  if (buckets.size === 0 || text.length < WINDOW) return found;
  let hash = windowHash(text, 0);
  for (let end = WINDOW; ; end++) {
    const bucket = (filter[(hash & mask) >>> 5]! & (1 << (hash & 31))) === 0 ? undefined : buckets.get(hash);
    if (bucket !== undefined) {
      for (const needle of bucket) {
        const start = end - needle.length;
        if (start >= 0 && text.startsWith(needle, start)) {
          found.push([start, end]);
          if (firstOnly) return found;
        }
      }
    }
    if (end === text.length) return found;
    const out = Math.imul(text.charCodeAt(end - WINDOW), BASE_POW);
    hash = (Math.imul(hash - out, BASE) + text.charCodeAt(end)) | 0;
  }
}

/** Overlapping finds are merged, so a secret that contains another is replaced whole. */
function replaceRanges(text: string, ranges: [number, number][]): string {
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at) {
      at = Math.max(at, end);
      continue;
    }
    out += text.slice(at, start) + REDACTED;
    at = end;
  }
  return out + text.slice(at);
}

/**
 * Every secret value the config holds: upstream credentials (API keys, OAuth refresh tokens and
 * client secrets), the backends' secret header and query values, client API keys, the admin
 * token. Access tokens are learnt as they arrive.
 */
export function configSecrets(config: FuseboxConfig): string[] {
  const secrets = config.server.apiKeys.map((entry) => (typeof entry === 'string' ? entry : entry.key));
  if (config.server.adminToken !== undefined) secrets.push(config.server.adminToken);
  secrets.push(...clusterSecrets(config.cluster));
  for (const backend of config.backends) {
    for (const { apiKey, oauth } of backend.credentials) {
      if (apiKey !== undefined) secrets.push(apiKey);
      if (oauth) secrets.push(oauth.refreshToken, ...(oauth.clientSecret === undefined ? [] : [oauth.clientSecret]));
    }
    for (const setting of [...Object.values(backend.headers), ...Object.values(backend.query)]) if (setting.secret) secrets.push(setting.value);
  }
  return secrets;
}

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
