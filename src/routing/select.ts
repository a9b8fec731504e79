import type { Random } from './random.js';

/**
 * Weighted random choice: each item is picked with probability weight / total.
 * Items of weight 0 are never picked unless every weight is 0, when the first one is.
 */
export function weightedPick<T>(items: readonly T[], weightOf: (item: T) => number, random: Random): T | undefined {
  if (items.length <= 1) return items[0];
  const weights = items.map((item) => Math.max(0, weightOf(item)));
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (total <= 0) return items[0];
  let point = random() * total;
  for (let i = 0; i < items.length; i++) {
    point -= weights[i]!;
    if (point < 0 && weights[i]! > 0) return items[i];
  }
  return items[weights.findLastIndex((w) => w > 0)];
}
