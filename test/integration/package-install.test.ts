import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * fusebox as an installed tool: the package.json's `files` pack dist/src, docs and the example
 * config (no tests, no bench), and `npm install -g` of the tarball gives a working `fusebox`.
 * The build (what `prepack` runs) goes into a scratch copy of the package, so the checkout's
 * dist/ is left alone; `npm pack --ignore-scripts` then packs that copy. Dependencies come from
 * npm's cache (`--offline`); only when the cache lacks them does npm ask the configured registry
 * (`--prefer-offline`), bounded in time.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function npm(args: string[], cwd: string, timeout = 120_000) {
  return exec('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    timeout,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

async function installGlobal(tarball: string, prefix: string, cwd: string): Promise<void> {
  try {
    await npm(['install', '-g', '--prefix', prefix, tarball, '--offline'], cwd);
  } catch (error) {
    if (!String((error as { stderr?: string }).stderr).includes('ENOTCACHED')) throw error;
    await npm(['install', '-g', '--prefix', prefix, tarball, '--prefer-offline'], cwd);
  }
}

describe('the packed and installed fusebox', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'fusebox-pack-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('packs dist/src, docs and the example config, and installs a working fusebox command', { timeout: 300_000 }, async () => {
    const pkg = join(scratch, 'pkg');
    mkdirSync(pkg);
    for (const file of ['package.json', 'README.md', 'fusebox.example.yaml']) cpSync(join(ROOT, file), join(pkg, file));
    cpSync(join(ROOT, 'docs'), join(pkg, 'docs'), { recursive: true });
    // What must stay out of the tarball even when present next to it.
    for (const stray of ['test/cli.test.ts', 'bench/run.ts', 'dist/test/cli.test.js', 'dist/bench/run.js']) {
      mkdirSync(join(pkg, stray, '..'), { recursive: true });
      writeFileSync(join(pkg, stray), '// not for the package\n');
    }
    await exec(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')], {
      cwd: ROOT,
      timeout: 180_000,
    });

    const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], pkg);
    const [report] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = report!.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['dist/src/cli/main.js', 'docs/configuration.md', 'fusebox.example.yaml', 'README.md', 'package.json']),
    );
    expect(files.filter((f) => /^(test|bench|dist\/test|dist\/bench)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);

    const prefix = join(scratch, 'prefix');
    await installGlobal(join(scratch, report!.filename), prefix, scratch);
    const bin = join(prefix, 'bin', 'fusebox');
    const version = await exec(bin, ['--version'], { cwd: scratch, timeout: 30_000 });
    expect(version.stdout.trim()).toBe(VERSION);
    const example = join(prefix, 'lib', 'node_modules', 'fusebox', 'fusebox.example.yaml');
    const checked = await exec(bin, ['check-config', '--config', example], {
      cwd: scratch,
      timeout: 30_000,
      env: { ...process.env, OPENAI_API_KEY: 'sk-pack-test' },
    });
    expect(checked.stdout).toContain(`${example}: ok (`);
  });
});
