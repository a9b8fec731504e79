/**
 * The one place tests import the scripted mock upstream from (the demo's, a real node:http server
 * on 127.0.0.1): `startMockUpstream(script, name)` and the types of its script and recorded requests.
 */
export { startMockUpstream, type Behavior, type MockUpstream, type RecordedRequest } from '../../src/demo/mock-upstream.js';
