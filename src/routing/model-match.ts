/**
 * Model patterns: exact names or globs where `*` matches any run of characters
 * (`*` alone matches every model, `gpt-4*` every name that starts with gpt-4).
 */
export type ModelMatcher = (model: string) => boolean;

export function modelMatcher(patterns: readonly string[]): ModelMatcher {
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const globs = patterns.filter((p) => p.includes('*')).map(globToRegExp);
  return (model) => exact.has(model) || globs.some((glob) => glob.test(model));
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}
