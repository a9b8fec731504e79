import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type FuseboxConfig } from './schema.js';
import { interpolate, type Env, type InterpolationProblem } from './interpolate.js';

/** Thrown for any config that cannot be used; `problems` name each bad field by its path. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfigFile(file: string, env: Env = process.env): FuseboxConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ConfigError(file, [reason]);
  }
  return parseConfigText(text, env, file);
}

export function parseConfigText(text: string, env: Env = {}, source = 'config'): FuseboxConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(source, [`YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(raw ?? {}, env, source);
}

export function parseConfig(raw: unknown, env: Env = {}, source = 'config'): FuseboxConfig {
  const interpolationProblems: InterpolationProblem[] = [];
  const interpolated = interpolate(raw, env, interpolationProblems);
  const problems = interpolationProblems.map((p) => `${formatPath(p.path)}: ${p.message}`);
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    const reported = new Set(interpolationProblems.map((p) => formatPath(p.path)));
    for (const issue of result.error.issues) {
      const where = formatPath(issue.path);
      if (!reported.has(where)) problems.push(`${where}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  return deepFreeze(result.data);
}

/** `['backends', 1, 'baseUrls', 0]` → `backends[1].baseUrls[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
