import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { configSchema, type FuseboxConfig } from './schema.js';
import { interpolate, type Env, type InterpolationProblem } from './interpolate.js';
import { markSecretSettings } from './upstream-shape-schema.js';
import { secretIdProblems } from './secret-ids.js';

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
  return parseConfigText(readConfigText(file), env, file);
}

/**
 * The config's `dataDir` alone, read, interpolated and validated without the rest of the file:
 * the variables other fields interpolate (the secrets) need not be set.
 */
export function loadDataDir(file: string, env: Env = process.env): string {
  const text = readConfigText(file);
  const raw = parseYamlText(text, file) ?? {};
  const problems: InterpolationProblem[] = [];
  const value = typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).dataDir : undefined;
  const interpolated = interpolate(value, env, problems, ['dataDir']);
  const result = configSchema.shape.dataDir.safeParse(interpolated);
  const messages = problems.map((p) => `${formatPath(p.path)}: ${p.message}`);
  if (messages.length === 0 && !result.success) messages.push(...result.error.issues.map((issue) => `dataDir: ${issue.message}`));
  if (messages.length > 0 || !result.success) throw new ConfigError(file, messages);
  return result.data;
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ConfigError(file, [reason]);
  }
}

const require = createRequire(import.meta.url);

/** The YAML parser, loaded on first use (Node caches it): a JSON config never loads it. */
function yaml(): typeof Yaml {
  return require('yaml') as typeof Yaml;
}

/**
 * The config text as a value. A file that is a JSON object (YAML's subset, as generated configs
 * usually are) is read with JSON.parse, which is many times faster than the YAML parser on a
 * large file; as in JSON.parse, a repeated key takes its last value. Anything else, a broken
 * JSON file included, goes to the YAML parser, whose errors name the line and column.
 */
function parseYamlText(text: string, source: string): unknown {
  const json = parseJsonObject(text);
  if (json !== NOT_JSON) return json;
  try {
    return yaml().parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(source, [yamlProblem(error, text)]);
  }
}

const NOT_JSON = Symbol('not JSON');

function parseJsonObject(text: string): unknown {
  if (!JSON_OBJECT_START.test(text)) return NOT_JSON;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

const JSON_OBJECT_START = /^\uFEFF?\s*\{/;

export function parseConfigText(text: string, env: Env = {}, source = 'config'): FuseboxConfig {
  return parseConfig(parseYamlText(text, source) ?? {}, env, source);
}

/** A YAML syntax error as one problem: the reason, `line N, column M`, and that line's text. */
function yamlProblem(error: unknown, text: string): string {
  const message = (error as Error).message;
  const reason = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const at = error instanceof yaml().YAMLParseError ? error.linePos?.[0] : undefined;
  if (!at) return `YAML: ${reason}`;
  const line = text.split(/\r?\n/)[at.line - 1] ?? '';
  return `YAML: ${reason} at line ${at.line}, column ${at.col}:\n    ${at.line} | ${line}\n    ${' '.repeat(String(at.line).length)} | ${' '.repeat(Math.max(0, at.col - 1))}^`;
}

export function parseConfig(raw: unknown, env: Env = {}, source = 'config'): FuseboxConfig {
  const interpolationProblems: InterpolationProblem[] = [];
  const interpolated = markSecretSettings(raw, interpolate(raw, env, interpolationProblems));
  const problems = interpolationProblems.map((p) => `${formatPath(p.path)}: ${p.message}`);
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    const reported = new Set(interpolationProblems.map((p) => formatPath(p.path)));
    for (const issue of result.error.issues) {
      const where = formatPath(issue.path);
      if (!reported.has(where)) problems.push(`${where}: ${issue.message}`);
    }
  }
  if (result.success) problems.push(...secretIdProblems(result.data));
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
