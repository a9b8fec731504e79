import { startMockUpstream, type Behavior } from '../../src/demo/mock-upstream.js';

/**
 * The bench's upstream, in its own process: the shared mock upstream answering JSON, or SSE
 * when the model is named `bench-sse-<chunks>x<gapMs>` (e.g. bench-sse-20x5: 20 chunks 5 ms
 * apart). Prints `port <n>` on stdout once listening; stops on SIGINT/SIGTERM.
 */
const SSE_MODEL = /"model"\s*:\s*"bench-sse-(\d+)x(\d+)"/;

function behavior(body: string): Behavior {
  const sse = SSE_MODEL.exec(body);
  if (!sse) return { kind: 'ok', text: 'hello from the bench upstream' };
  return { kind: 'stream', chunks: Number(sse[1]), gapMs: Number(sse[2]) };
}

const upstream = await startMockUpstream((request) => behavior(request.body), 'bench');
// The mock records every request; the bench sends millions, so keep memory flat.
setInterval(() => {
  upstream.requests.splice(0);
  upstream.aborted.splice(0);
}, 500).unref();
process.stdout.write(`port ${upstream.port}\n`);
const stop = () => void upstream.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
