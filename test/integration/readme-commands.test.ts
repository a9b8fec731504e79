import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

/**
 * The README's shell commands, run as a newcomer would type them, so they cannot rot. Each
 * line of each ```sh block is one command (comments stripped). Run in a scratch checkout (the
 * repository's package.json, src, config example and node_modules), with a test config:
 * FUSEBOX_PORT=0 so `start` takes a free port, and the `export`ed key.
 *
 * Not run here, by design:
 * - `npm ci`, `npm install …`: installs (CI runs `npm ci`; package-install.test.ts installs the packed tarball);
 * - `npm run demo`, `npm test`: CI runs them (and test/integration/demo.test.ts runs the demo);
 * - `npm pack` and the installed `fusebox …` lines: package-install.test.ts packs, installs and runs them.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Command {
  readonly line: string;
  readonly skip: string | null;
}

export function readmeCommands(markdown: string): Command[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const lines = blocks.flatMap((block) => block.split('\n').map((line) => line.replace(/(^|\s)#.*$/, '').trim()));
  return lines.filter((line) => line !== '').map((line) => ({ line, skip: skipReason(line) }));
}

function skipReason(line: string): string | null {
  if (/\bnpm (ci|install)\b/.test(line)) return 'installs packages (CI runs npm ci; package-install.test.ts installs the tarball)';
  if (/\bnpm (run demo|test)\b/.test(line)) return 'the demo and the tests are what CI runs';
  if (/^npm pack\b/.test(line) || /^fusebox\b/.test(line)) return 'the installed tool: package-install.test.ts';
  return null;
}

function scratchCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-readme-'));
  for (const file of ['package.json', 'fusebox.example.yaml', 'tsconfig.json']) copyFileSync(join(ROOT, file), join(dir, file));
  for (const link of ['src', 'node_modules']) symlinkSync(join(ROOT, link), join(dir, link));
  return dir;
}

/** Runs one command line in `sh`; `until` (when given) ends it with SIGTERM once its output matches. */
async function run(line: string, cwd: string, env: Record<string, string>, until?: RegExp): Promise<{ code: number | null; out: string }> {
  const child = spawn('sh', ['-c', line], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  if (until) {
    await vi.waitFor(() => expect(out).toMatch(until), { timeout: 20_000, interval: 20 });
    process.kill(-child.pid!, 'SIGTERM'); // the group: sh, npm and fusebox
  }
  return { code: await exited, out };
}

describe('the README commands', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const commands = readmeCommands(readme);
  const dir = scratchCheckout();
  const env: Record<string, string> = { FUSEBOX_PORT: '0' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('start with the no-keys demo and the tests', () => {
    expect(commands.slice(0, 2).map((c) => c.line)).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
  });

  it('run as written (each one that is safe to run here)', { timeout: 120_000 }, async () => {
    const ran: string[] = [];
    for (const { line, skip } of commands) {
      if (skip) continue;
      const exported = /^export (\w+)=(.*)$/.exec(line);
      if (exported) {
        env[exported[1]!] = exported[2]!;
        continue;
      }
      const starts = /\bfusebox -- start\b/.test(line);
      const result = await run(line, dir, env, starts ? /fusebox listening on/ : undefined);
      // `start` runs until SIGTERM: npm and sh die of the signal, fusebox itself shuts down cleanly.
      if (starts) expect(result.out, line).toContain('shutting down');
      else expect(result.code, `${line}\n${result.out}`).toBe(0);
      ran.push(line);
    }
    expect(ran).toEqual(expect.arrayContaining(['npm run fusebox -- check-config', 'npm run fusebox -- start']));
  });
});
