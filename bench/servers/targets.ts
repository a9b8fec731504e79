import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, has, readPort, spawnPinned, stopProcess, waitForPort } from '../lib/proc.js';

/**
 * The processes under test, each a child pinned to the proxy core: the upstream itself
 * (direct), the minimal undici pass-through, nginx, and fusebox built from this tree.
 * A target's `url` is the chat-completions URL a client would use.
 */
export interface Target {
  readonly name: string;
  readonly url: string;
  /** The process whose tree is measured; null for `direct` (nothing in between). */
  readonly pid: number | null;
  stop(): Promise<void>;
}

export const PATH = '/v1/chat/completions';
const TSX = ['--import', 'tsx'];

export async function startUpstream(cpu: number | null): Promise<Target & { origin: string }> {
  const child = spawnPinned(cpu, process.execPath, [...TSX, 'bench/servers/upstream.ts']);
  const port = await readPort(child);
  return { name: 'direct', url: `http://127.0.0.1:${port}${PATH}`, origin: `http://127.0.0.1:${port}`, pid: null, stop: () => stopProcess(child) };
}

/** `nodeFlags` go before tsx's, e.g. --cpu-prof. */
export async function startPassthrough(cpu: number | null, origin: string, nodeFlags: readonly string[] = []): Promise<Target> {
  const child = spawnPinned(cpu, process.execPath, [...nodeFlags, ...TSX, 'bench/servers/passthrough.ts', origin]);
  const port = await readPort(child);
  return target('pass-through', child, port);
}

function target(name: string, child: ChildProcess, port: number): Target {
  return { name, url: `http://127.0.0.1:${port}${PATH}`, pid: child.pid!, stop: () => stopProcess(child) };
}

/** nginx as a reverse proxy (one worker, keep-alive upstream, no buffering); null when absent. */
export async function startNginx(cpu: number | null, origin: string, dir: string): Promise<Target | null> {
  const nginx = ['nginx', '/usr/sbin/nginx'].find((c) => has(c));
  if (!nginx) return null;
  const port = await freePort();
  const prefix = join(dir, 'nginx');
  mkdirSync(prefix, { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, nginxConfig(prefix, port, new URL(origin).host));
  const child = spawnPinned(cpu, nginx, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], 'discard');
  await waitForPort(port, 10_000, child);
  return { ...target('nginx', child, port), stop: () => stopProcess(child, 'SIGQUIT') };
}

function nginxConfig(prefix: string, port: number, upstreamHost: string): string {
  return `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  upstream mock { server ${upstreamHost}; keepalive 256; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}

export interface FuseboxShape {
  readonly backends: number;
  readonly baseUrls: number;
  readonly credentials: number;
  /** server.maxConcurrent (the RSS run raises it so 1,000 streams are all admitted). */
  readonly maxConcurrent?: number;
  /** The backends' kind (default openai); another kind makes every request a translated one. */
  readonly kind?: string;
  /** streams.resume (default true, fusebox's own default). */
  readonly resume?: boolean;
}

/** A fusebox config (JSON is YAML) pointing every BaseURL at the same upstream origin. */
export function fuseboxConfig(shape: FuseboxShape, origin: string, port: number, dataDir: string): string {
  const backends = Array.from({ length: shape.backends }, (_, b) => ({
    id: `b${b}`,
    ...(shape.kind ? { kind: shape.kind } : {}),
    baseUrls: Array.from({ length: shape.baseUrls }, (_, u) => (u === 0 ? `${origin}/v1` : `${origin}/m${u}/v1`)),
    credentials: Array.from({ length: shape.credentials }, (_, c) => ({ id: `b${b}-k${c}`, apiKey: `bench-placeholder-${b}-${c}` })),
  }));
  const server = { host: '127.0.0.1', port, ...(shape.maxConcurrent ? { maxConcurrent: shape.maxConcurrent, maxQueued: shape.maxConcurrent } : {}) };
  const streams = shape.resume === false ? { streams: { resume: false } } : {};
  return JSON.stringify({ server, dataDir, ...streams, backends }, null, 1);
}

export interface FuseboxStart {
  readonly name: string;
  readonly shape: FuseboxShape;
  readonly origin: string;
  readonly dir: string;
  readonly cpu: number | null;
  /** The directory holding dist/src/cli/main.js. */
  readonly root: string;
  readonly logLevel?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
}

/** Starts `node <root>/dist/src/cli/main.js start`; resolves when /healthz answers, with the ms it took. */
export async function startFusebox(options: FuseboxStart): Promise<Target & { readyMs: number }> {
  const port = await freePort();
  const dir = join(options.dir, `${options.name}-${port}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'fusebox.yaml');
  writeFileSync(file, fuseboxConfig(options.shape, options.origin, port, join(dir, 'data')));
  const started = performance.now();
  const args = [
    ...(options.nodeFlags ?? []),
    join(options.root, 'dist/src/cli/main.js'),
    'start',
    '-c',
    file,
    '--log-level',
    options.logLevel ?? 'info',
  ];
  const child = spawnPinned(options.cpu, process.execPath, args, 'discard');
  await waitForHealth(port, child);
  return { ...target(options.name, child, port), readyMs: performance.now() - started };
}

async function waitForHealth(port: number, child: ChildProcess): Promise<void> {
  await waitForPort(port, 30_000, child);
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fusebox on ${port} never answered /healthz`);
}
