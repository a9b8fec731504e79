import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';

/**
 * docs/configuration.md promises every option with its default: each leaf option of the
 * schema must be named there (as `a.b` or, inside backends[] and modelPools, by its own
 * path from there).
 */
type Def = { type: string; shape?: Record<string, unknown>; innerType?: unknown; in?: unknown; element?: unknown; valueType?: unknown };

function defOf(schema: unknown): Def {
  return (schema as { _zod: { def: Def } })._zod.def;
}

/** Dotted paths of leaf options (and of arrays and maps); array elements and map values restart the path, as their tables do. */
function optionPaths(schema: unknown, prefix: string, out: Set<string>): void {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
      optionPaths(def.innerType, prefix, out);
      return;
    case 'pipe':
      optionPaths(def.in, prefix, out);
      return;
    case 'array':
      if (prefix) out.add(prefix);
      optionPaths(def.element, '', out);
      return;
    case 'record':
      if (prefix) out.add(prefix);
      optionPaths(def.valueType, '', out);
      return;
    case 'object':
      for (const [key, child] of Object.entries(def.shape ?? {})) optionPaths(child, prefix ? `${prefix}.${key}` : key, out);
      return;
    default:
      if (prefix) out.add(prefix);
  }
}

describe('docs/configuration.md', () => {
  it('names every option the config schema accepts', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const paths = new Set<string>();
    optionPaths(configSchema, '', paths);
    expect(paths.size).toBeGreaterThan(40);
    const missing = [...paths].filter((path) => !doc.includes(`\`${path}\``));
    expect(missing).toEqual([]);
  });
});
