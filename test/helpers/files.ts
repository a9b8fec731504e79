import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file below `dir` (following subdirectories), as paths that start with `dir`, sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    })
    .sort();
}
