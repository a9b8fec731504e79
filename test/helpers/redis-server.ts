import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's redis-server; the cluster tests skip, saying so, only where it is not installed. */
export const REDIS_SERVER = '/usr/bin/redis-server';
export const redisMissing = !existsSync(REDIS_SERVER);
export const REDIS_SKIP_REASON = `${REDIS_SERVER} is not installed (apt-get install -y redis-server): the cluster tests are skipped`;

/**
 * A real redis-server on a free 127.0.0.1 port, in a temp dir, without persistence
 * (`--save '' --appendonly no`), with `--requirepass` when given a password (then in `url`). `kill` stops it by its PID (SIGKILL: a crash, all data gone);
 * `pause`/`resume` make it hang and answer again; `start` brings a fresh one back on the same port; `stop` kills it and removes the dir.
 */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that hangs, its connections open, answering nothing. */
  pause(): void;
  resume(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis(options: { readonly password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fusebox-redis-'));
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const auth = options.password === undefined ? [] : ['--requirepass', options.password];
    const spawned = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...auth], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = spawned;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
      spawned.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      spawned.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${output}`));
      });
    });
    spawned.stdout.resume();
    spawned.stderr.resume();
  }

  async function kill(): Promise<void> {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.pid === undefined) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    process.kill(running.pid, 'SIGKILL');
    await exited;
  }

  function signal(name: NodeJS.Signals): void {
    if (child?.pid !== undefined) process.kill(child.pid, name);
  }

  await start();
  return {
    port,
    url: `redis://${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`}127.0.0.1:${port}`,
    kill,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
