/**
 * The one place tests import the scripted mock upstream from (the demo's, a real node:http server
 * on 127.0.0.1): `startMockUpstream(script, name)` and the types of its script and recorded requests.
 */
import { startMockUpstream } from '../../src/demo/mock-upstream.js';

export { startMockUpstream };
export type { Behavior, MockUpstream, RecordedRequest } from '../../src/demo/mock-upstream.js';

/** One mock upstream per kind of backend (named gpt, claude, gemini), stopped by `cleanups`. */
export async function upstreamPerKind(cleanups: (() => unknown)[]) {
  const oai = await startMockUpstream(undefined, 'gpt');
  const ant = await startMockUpstream(undefined, 'claude');
  const gem = await startMockUpstream(undefined, 'gemini');
  cleanups.push(
    () => oai.close(),
    () => ant.close(),
    () => gem.close(),
  );
  return { oai, ant, gem };
}
