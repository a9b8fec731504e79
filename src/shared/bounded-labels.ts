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
