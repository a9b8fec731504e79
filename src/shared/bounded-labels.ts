/**
 * A label set that stops growing: the first `max` distinct values are themselves, every later
 * new one is `other`. For values clients choose (model names), so metrics and usage tables
 * stay bounded however many names arrive.
 */
export function boundedLabels(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

/**
 * How many entries the caches sharing it may keep in all; each cache takes one per entry it keeps.
 * `Infinity` for a cache whose keys are bounded by something the caller keeps anyway.
 */
export class CacheBudget {
  constructor(private left: number) {}

  /** One more entry may be kept (and is counted), or none may any more. */
  take(): boolean {
    if (this.left <= 0) return false;
    this.left -= 1;
    return true;
  }
}

/**
 * A value per key, made by `make` the first time the key is asked for and kept while `budget`
 * lasts; once it is spent a key not yet kept is made again on every get. So a value is the same
 * object on every get only for a kept key (for every key with an unbounded budget), and `make`
 * must make equivalent values for a key each time. Values nest: a Memo of Memos is a tree keyed
 * by one label value per level (a few Map lookups of strings V8 has already hashed, where one
 * key string joined from the values would be built and hashed again on every get).
 */
export class Memo<K, V extends object | string> {
  private readonly kept = new Map<K, V>();

  constructor(
    private readonly budget: CacheBudget,
    private readonly make: (key: K) => V,
  ) {}

  get(key: K): V {
    const known = this.kept.get(key);
    if (known !== undefined) return known;
    const made = this.make(key);
    if (this.budget.take()) this.kept.set(key, made);
    return made;
  }
}
