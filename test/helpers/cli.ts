import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs the fusebox CLI from source (through tsx) as a real child process. */
export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

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
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits until `text()` satisfies `test`, or the process exits, or ~10 s pass. */
export async function waitFor(text: () => string, test: (text: string) => boolean, run: CliRun): Promise<string> {
  let exited = false;
  void run.exited.then(() => (exited = true));
  for (let i = 0; i < 1000 && !test(text()) && !exited; i++) await new Promise((r) => setTimeout(r, 10));
  if (!test(text())) throw new Error(`CLI output never matched; stdout: ${run.stdout()} stderr: ${run.stderr()}`);
  return text();
}
