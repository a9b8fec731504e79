import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createActorTree } from '../../../../src/actors/actor-tree.js';
import type { BreakerInput } from '../../../../src/machines/breaker.js';
import type { Clock } from '../../../../src/shared/clock.js';
import { createAdminFeed, type AdminFeed } from '../../../../src/http/admin/event-feed.js';

const policy = { failureThreshold: 5, recoveryMs: 1_000, halfOpenProbes: 1 };
const layout: BreakerInput[] = [{ id: 'backend:a', role: 'backend', policy }];

/** Timers run only when the test fires them; `pending` counts the armed ones. */
function manualClock() {
  const timers = new Map<number, () => void>();
  let next = 0;
  const clock: Clock = {
    now: () => 1_000,
    setTimeout: (callback) => (timers.set(++next, callback), next),
    clearTimeout: (handle) => void timers.delete(handle as number),
  };
  const fire = () => {
    const callbacks = [...timers.values()];
    timers.clear();
    for (const callback of callbacks) callback();
  };
  return { clock, fire, pending: () => timers.size };
}

const failure = (at: number) => ({ type: 'call.failed', at, code: 'http_500', probe: false }) as const;

describe('the admin feed arms timers only when something is due', () => {
  let server: Server | null = null;
  let feed: AdminFeed | null = null;
  afterEach(async () => {
    feed?.close();
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = null;
  });

  /** A real client on 127.0.0.1 whose stream collects what the feed writes. */
  async function connect(target: AdminFeed): Promise<{ text: () => string; res: IncomingMessage }> {
    server = createServer((_req, res) => target.attach(res, 'req-1'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    let text = '';
    const res = await new Promise<IncomingMessage>((resolve) => get({ host: '127.0.0.1', port, path: '/' }, resolve));
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    await waitFor(() => text.includes('event: snapshot'));
    return { text: () => text, res };
  }

  it('with no client, arms nothing, whatever the actors do', () => {
    const { clock, pending } = manualClock();
    const tree = createActorTree({ layout });
    feed = createAdminFeed({ tree, clock });
    expect(pending()).toBe(0);
    tree.send('backend:a', failure(1));
    expect(pending()).toBe(0);
    tree.stop();
  });

  it('with a client: a heartbeat, and a flush only once an actor changed; none after the client leaves', async () => {
    const { clock, fire, pending } = manualClock();
    const tree = createActorTree({ layout });
    feed = createAdminFeed({ tree, clock });
    const client = await connect(feed);
    expect(pending()).toBe(1);
    tree.send('backend:a', failure(2));
    expect(pending()).toBe(2);
    fire();
    await waitFor(() => client.text().includes('event: actor') && client.text().includes(': ping'));
    expect(pending()).toBe(1);
    client.res.destroy();
    await waitFor(() => feed!.clients === 0);
    expect(pending()).toBe(0);
    tree.stop();
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
