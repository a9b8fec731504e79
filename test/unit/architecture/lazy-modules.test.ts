import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Packages only some gateways use are loaded when first used, not when the gateway's modules
 * are: ioredis (5–6 MB of resident memory) only once a cluster is configured. Checked in a fresh
 * process, whose module cache holds exactly what importing the gateway loaded.
 */
const ROOT = join(import.meta.dirname, '..', '..', '..');

function packagesLoadedBy(modulePath: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(pathToFileURL(join(ROOT, modulePath)).href)});
    const loaded = Object.keys(createRequire(${JSON.stringify(pathToFileURL(join(ROOT, 'package.json')).href)}).cache);
    const names = new Set(loaded.map((file) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file)?.[1]).filter(Boolean));
    process.stdout.write(JSON.stringify([...names]));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

describe('packages loaded only when used', () => {
  it('importing the gateway loads its CommonJS dependencies but not ioredis', () => {
    const loaded = packagesLoadedBy('src/app/gateway.ts');
    // The check can see CommonJS packages at all: pino is one the gateway always uses.
    expect(loaded).toContain('pino');
    expect(loaded).not.toContain('ioredis');
  });
});
