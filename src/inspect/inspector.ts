import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { InspectionEvent } from 'xstate';
import { sanitizeInspection } from './sanitize.js';

/**
 * The Stately inspector bridge, loaded only by `fusebox start --inspect [port]` (a dynamic
 * import: without the flag none of this, nor @statelyai/inspect, is loaded).
 *
 * A relay on 127.0.0.1:<port> speaks the protocol of `@statelyai/inspect/server`: every
 * WebSocket message from one client goes to all the others, and `GET /` serves a page that
 * embeds https://stately.ai/inspect and feeds it the relayed events. fusebox's actors reach
 * the relay through `createWebSocketInspector`, every event trimmed and sanitised.
 *
 * The relay is ours rather than `createInspectorServer` because that one listens on every
 * interface, has no 'error' listener (a busy port would crash fusebox) and runs `xdg-open`.
 * Ours listens on loopback only, refuses WebSocket connections from web pages other than its
 * own (a page on another origin could otherwise read the stream), rejects foreign Host
 * headers, and replays to a late viewer every actor and its latest snapshot, then the last
 * REPLAY_EVENTS messages, so opening the inspector after start still shows the whole fleet.
 */
export interface InspectorRelay {
  readonly port: number;
  /** The page to open in a browser. */
  readonly url: string;
  /** Pass to XState's `createActor({ inspect })` (GatewayDeps.inspect). */
  readonly inspect: (event: InspectionEvent) => void;
  stop(): Promise<void>;
}

export interface InspectorOptions {
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  readonly logger?: Logger;
}

const HOST = '127.0.0.1';
const REPLAY_EVENTS = 500;

export async function startInspector(options: InspectorOptions = {}): Promise<InspectorRelay> {
  const server = createServer();
  const port = await listen(server, options.port ?? 8080);
  const relay = startRelay(server, port);
  const inspector = createWebSocketInspector({
    url: `ws://${HOST}:${port}`,
    serialize: (event) => sanitizeInspection(event),
    maxDeferredEvents: 5000,
  });
  // Stopping a client that is still connecting makes it retry forever: wait for it first.
  await Promise.race([relay.firstConnection, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  const url = `http://${HOST}:${port}/`;
  options.logger?.info({ url }, `Stately inspector relay: open ${url} in a browser`);
  return {
    port,
    url,
    inspect: (event) => inspector.inspect.next?.(event),
    async stop() {
      inspector.stop();
      await relay.close();
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`the inspector cannot listen on ${HOST}:${port}: ${error.code ?? error.message}`));
    });
    server.listen(port, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function startRelay(server: Server, port: number): { firstConnection: Promise<void>; close(): Promise<void> } {
  const ownOrigins = new Set([`http://${HOST}:${port}`, `http://localhost:${port}`]);
  const hostOk = (req: IncomingMessage) => req.headers.host === `${HOST}:${port}` || req.headers.host === `localhost:${port}`;
  const wss = new WebSocketServer({
    server,
    maxPayload: 4 * 1024 * 1024,
    verifyClient: ({ req, origin }: { req: IncomingMessage; origin?: string }) => hostOk(req) && (!origin || ownOrigins.has(origin)),
  });
  const actors = new Map<string, string>();
  const snapshots = new Map<string, string>();
  const recent: string[] = [];
  let connected: () => void = () => undefined;
  const firstConnection = new Promise<void>((resolve) => (connected = resolve));
  const remember = (message: string) => {
    const parsed = parseMessage(message);
    if (parsed?.type === '@xstate.actor' && parsed.sessionId) actors.set(parsed.sessionId, message);
    else if (parsed?.type === '@xstate.snapshot' && parsed.sessionId) snapshots.set(parsed.sessionId, message);
    recent.push(message);
    if (recent.length > REPLAY_EVENTS) recent.shift();
  };
  wss.on('connection', (socket) => {
    connected();
    for (const message of [...actors.values(), ...snapshots.values(), ...recent]) socket.send(message);
    socket.on('message', (data: RawData) => {
      const message = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString();
      remember(message);
      for (const client of wss.clients) if (client !== socket && client.readyState === WebSocket.OPEN) client.send(message);
    });
  });
  server.on('request', (req, res) => {
    if (!hostOk(req)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(bridgePage(port));
  });
  return {
    firstConnection,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parseMessage(message: string): { type?: string; sessionId?: string } | null {
  try {
    return JSON.parse(message) as { type?: string; sessionId?: string };
  } catch {
    return null;
  }
}

/** The browser side: the Stately inspector in an iframe, fed from the relay by postMessage. */
function bridgePage(port: number): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>fusebox · Stately inspector</title>
<style>html,body{height:100%;margin:0}iframe{width:100%;height:100%;border:0}</style></head>
<body><iframe id="inspector" src="https://stately.ai/inspect"></iframe>
<script>
  const frame = document.getElementById('inspector');
  const pending = [];
  let ready = false;
  window.addEventListener('message', (e) => {
    if (e.data && e.data.type === '@statelyai.connected') {
      ready = true;
      for (const event of pending.splice(0)) frame.contentWindow.postMessage(event, '*');
    }
  });
  const ws = new WebSocket('ws://${HOST}:${port}');
  ws.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (ready) frame.contentWindow.postMessage(event, '*');
    else pending.push(event);
  };
</script></body></html>`;
}
