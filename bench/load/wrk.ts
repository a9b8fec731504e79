import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Closed-loop JSON load with wrk: POST a small chat completion over `connections` keep-alive
 * connections for `seconds`, one wrk thread pinned to `cpu`.
 */
export interface WrkResult {
  readonly requests: number;
  readonly rps: number;
  /** Non-2xx responses plus socket errors. */
  readonly errors: number;
}

export const CHAT_BODY = JSON.stringify({ model: 'bench-json', messages: [{ role: 'user', content: 'Say hello.' }] });

export function writeWrkScript(dir: string): string {
  const file = join(dir, 'post.lua');
  writeFileSync(
    file,
    [
      'wrk.method = "POST"',
      `wrk.body = '${CHAT_BODY}'`,
      'wrk.headers["Content-Type"] = "application/json"',
      'wrk.headers["Authorization"] = "Bearer bench-client"',
      '',
    ].join('\n'),
  );
  return file;
}

export function runWrk(url: string, script: string, seconds: number, connections: number, cpu: number | null): Promise<WrkResult> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url];
  const command = cpu === null ? 'wrk' : 'taskset';
  const child = spawn(command, cpu === null ? args : ['-c', String(cpu), 'wrk', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => (out += text));
  const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearTimeout(killer);
      if (code !== 0) reject(new Error(`wrk exited ${code}: ${out}`));
      else resolve(parseWrk(out));
    });
  });
}

export function parseWrk(out: string): WrkResult {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { requests, rps, errors: non2xx + socketErrors };
}
