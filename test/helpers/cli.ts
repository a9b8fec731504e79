import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

/** Runs the fusebox CLI from source (through tsx) as a real child process. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliRun {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits until `text()` satisfies `test`, or the process exits, or 10 s pass (then rejects with its output). */
export async function waitFor(text: () => string, test: (text: string) => boolean, run: CliRun): Promise<string> {
  let exited = false;
  void run.exited.then(() => (exited = true));
  const unmatched = () => new Error(`CLI output never matched; stdout: ${run.stdout()} stderr: ${run.stderr()}`);
  await vi.waitFor(
    () => {
      if (!test(text()) && !exited) throw unmatched();
    },
    { timeout: 10_000, interval: 10 },
  );
  if (!test(text())) throw unmatched();
  return text();
}

/**
 * Child processes and temp config files for one test file: `configFile` writes a config (with a
 * private `dataDir`) into a fresh temp dir, `cli` starts the CLI; `cleanup` (for afterEach)
 * kills what is still running, by PID, and removes the dirs.
 */
export interface CliSession {
  readonly configFile: (text: string) => string;
  readonly cli: (args: string[], env?: Record<string, string>) => CliRun;
  readonly cleanup: () => Promise<void>;
}

export function cliSession(prefix: string): CliSession {
  const dirs: string[] = [];
  const runs: CliRun[] = [];
  return {
    configFile(text) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      const file = join(dir, 'fusebox.yaml');
      writeFileSync(file, `dataDir: ${join(dir, 'data')}\n${text}`);
      return file;
    },
    cli(args, env = {}) {
      const run = runCli(args, env);
      runs.push(run);
      return run;
    },
    async cleanup() {
      for (const run of runs.splice(0)) {
        if (run.child.exitCode === null) run.child.kill('SIGKILL');
        await run.exited;
      }
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
