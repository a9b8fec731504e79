/**
 * `${VAR}` and `${VAR:-default}` interpolation over every string in a parsed YAML tree.
 * A `${VAR}` whose variable is unset is reported, naming the path where it stands.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface InterpolationProblem {
  path: (string | number)[];
  message: string;
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(value: unknown, env: Env, problems: InterpolationProblem[], path: (string | number)[] = []): unknown {
  if (typeof value === 'string') return interpolateString(value, env, problems, path);
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}

function interpolateString(text: string, env: Env, problems: InterpolationProblem[], path: (string | number)[]): string | number {
  const whole = /^\$\{[^}]+\}$/.test(text);
  const result = text.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    problems.push({ path, message: `environment variable ${name} is not set` });
    return '';
  });
  // A placeholder that is the whole value and reads as a number becomes a number (ports, limits).
  if (whole && /^-?\d+(\.\d+)?$/.test(result)) return Number(result);
  return result;
}
