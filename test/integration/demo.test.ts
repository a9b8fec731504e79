import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** A bounded run of `fusebox demo` as a user would start it: its own process, plain output. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runDemo(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', ...args], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    // Never leave a demo behind, whatever happens to the test.
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, out, err });
    });
  });
}

describe('fusebox demo', () => {
  it('runs its upstreams, gateway and client load for a few seconds with no client-visible error', async () => {
    const { code, out, err } = await runDemo(['--duration', '6', '--every', '2', '--port', '0']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('actor');
    for (const actor of ['backend:slow', 'baseurl:flaky:0', 'pool:steady:default', 'key demo-steady-key-3']) {
      expect(out).toContain(actor);
    }
    // The slow upstream is given up on at its first-chunk deadline: its breaker has opened.
    expect(out).toMatch(/backend:slow: closed → open/);
    expect(out).toMatch(/client-visible errors: 0\b/);
    expect(out).toContain('demo stopped cleanly: 0 client-visible error(s).');
    const ok = /client requests: (\d+) JSON \+ (\d+) streamed ok/.exec(out.slice(out.lastIndexOf('client requests:')));
    expect(Number(ok?.[1])).toBeGreaterThan(5);
    expect(Number(ok?.[2])).toBeGreaterThan(5);
  }, 30_000);

  it('rejects a bad option with exit code 2', async () => {
    const { code, err } = await runDemo(['--duration', 'soon']);
    expect(code).toBe(2);
    expect(err).toContain('--duration');
  }, 15_000);
});
