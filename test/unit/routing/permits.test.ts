import { describe, expect, it } from 'vitest';
import type { ActorTree } from '../../../src/actors/actor-tree.js';
import { memoryBody } from '../../../src/http/upstream/body-queue.js';
import type { RoutingGeneration } from '../../../src/routing/generation.js';
import { createRequestHandler } from '../../../src/routing/handle-request.js';
import { seededRandom } from '../../../src/routing/random.js';
import { createRetryBudget } from '../../../src/routing/retry-budget.js';
import type { ClientSink, Job, Transport, UpstreamReply } from '../../../src/routing/types.js';
import type { Clock } from '../../../src/shared/clock.js';
import { backend, fleet, T0 } from './fixtures.js';

/**
 * Issue 13 item 6: a probe permit comes back on every path of an attempt, including an internal
 * error thrown at any stage (transport send, body read, sink write, report to the actors).
 */
type Stage = 'send' | 'body' | 'sink' | 'report';

function setup(stage: Stage) {
  const f = fleet({ backends: [{ ...backend('x'), breaker: { failureThreshold: 1, recoveryMs: 1000 } }] });
  f.tree.send('backend:x', { type: 'call.failed', at: T0, probe: false, code: 'http_500' });
  const clock: Clock = { now: () => T0 + 1000, setTimeout: () => null, clearTimeout: () => undefined };
  const transport: Transport = {
    send() {
      if (stage === 'send') throw new Error('send blew up');
      const body = stage === 'body' ? failingBody() : memoryBody(Buffer.from('{"ok":true}'));
      const reply: UpstreamReply = { kind: 'response', status: 200, headers: { 'content-type': 'application/json' }, body, headersAfterMs: 1 };
      return Promise.resolve(reply);
    },
  };
  const tree: ActorTree =
    stage === 'report'
      ? {
          ...f.tree,
          send(actorId, event) {
            if (event.type === 'call.succeeded') throw new Error('report blew up');
            f.tree.send(actorId, event);
          },
        }
      : f.tree;
  const handle = createRequestHandler({ tree, random: seededRandom(1), clock });
  const generation: RoutingGeneration = {
    table: f.table,
    transport,
    forwardHeaders: new Set(),
    maxAttempts: 1,
    retryBudget: createRetryBudget(f.config.routing.retryBudget),
    waitForRecoveryMs: 0,
    sameModelRetry: { maxMs: 0, backoffMs: 0 },
    maxResponseBytes: 1 << 20,
    withdrawn: new Set(),
  };
  return { f, run: () => handle(job(stage), generation) };
}

function failingBody() {
  const body = memoryBody(null);
  return { ...body, next: () => Promise.reject(new Error('read blew up')) };
}

function job(stage: Stage): Job {
  const fail = () => {
    throw new Error('sink blew up');
  };
  const sink: ClientSink = {
    started: false,
    respond: stage === 'sink' ? fail : () => undefined,
    start: () => undefined,
    write: () => undefined,
    end: () => undefined,
    fail: () => undefined,
  };
  const signal = { aborted: false, addEventListener: () => undefined, removeEventListener: () => undefined };
  const body = Buffer.from('{"model":"gpt-test","messages":[]}');
  return {
    id: 'r1',
    protocol: 'openai',
    model: 'gpt-test',
    stream: false,
    upstreamPath: '/chat/completions',
    body,
    contentType: 'application/json',
    expects: 'json',
    headers: {},
    receivedAt: T0 + 1000,
    signal,
    sink,
  };
}

describe('probe permits on internal errors', () => {
  it.each<Stage>(['send', 'body', 'sink', 'report'])('returns the permit when the %s stage throws', async (stage) => {
    const { f, run } = setup(stage);
    const settled = await run().then(
      () => 'resolved',
      () => 'rejected',
    );
    // a failed body read is the upstream's failure (reported); the others are internal errors
    expect(settled).toBe(stage === 'body' ? 'resolved' : 'rejected');
    expect(f.read('backend:x').context.probesInFlight).toBe(0);
    expect(f.read('backend:x').state).toBe(stage === 'body' ? 'open' : 'half_open');
  });
});
