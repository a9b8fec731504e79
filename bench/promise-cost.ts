import { performance } from 'node:perf_hooks';

/**
 * What the promises of a request's success path cost, in isolation: a request's async layers
 * (server → handler → attempt → transport → dispatch) as `DEPTH` nested async functions awaiting
 * a reply that a callback settles on the next turn of the event loop, against the same nesting as
 * plain callbacks. Prints the CPU per request of each and the difference per promise.
 *
 *   npx tsx bench/promise-cost.ts [requests]
 */
const DEPTH = 5;
const REQUESTS = Number(process.argv[2] ?? 200_000);
const ROUNDS = 5;

type Reply = (value: number) => void;

function replyLater(callback: Reply): void {
  setImmediate(() => callback(1));
}

function replyPromise(): Promise<number> {
  return new Promise((resolve) => replyLater(resolve));
}

async function awaited(depth: number): Promise<number> {
  return depth === 1 ? await replyPromise() : await awaited(depth - 1);
}

function calledBack(depth: number, callback: Reply): void {
  if (depth === 1) replyLater(callback);
  else calledBack(depth - 1, (value) => callback(value));
}

/** CPU µs per request of `REQUESTS` sequential requests made by `one`. */
function cpuPerRequest(one: (done: () => void) => void): Promise<number> {
  const before = process.cpuUsage();
  return new Promise((resolve) => {
    let left = REQUESTS;
    const next = (): void => {
      if (left-- === 0) {
        const used = process.cpuUsage(before);
        resolve((used.user + used.system) / REQUESTS);
        return;
      }
      one(next);
    };
    next();
  });
}

const median = (values: number[]): number => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const started = performance.now();
const withPromises: number[] = [];
const withCallbacks: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  withPromises.push(await cpuPerRequest((done) => void awaited(DEPTH).then(done)));
  withCallbacks.push(await cpuPerRequest((done) => calledBack(DEPTH, done)));
}
const [p, c] = [median(withPromises), median(withCallbacks)];
// Each request makes DEPTH async-function promises, one settled by the reply, and one `then`.
const promises = DEPTH + 2;
console.log(
  `${REQUESTS} requests × ${ROUNDS} rounds, ${DEPTH} layers (${promises} promises per request), ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
console.log(`promises:  ${p.toFixed(2)} µs CPU per request`);
console.log(`callbacks: ${c.toFixed(2)} µs CPU per request`);
console.log(`difference: ${(p - c).toFixed(2)} µs per request, ${((p - c) / promises).toFixed(3)} µs per promise`);
