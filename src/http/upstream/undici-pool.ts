import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

/**
 * undici's Pool on its own, not through the package's index, which also loads fetch, WebSocket,
 * caches, mocks and the request/stream API fusebox never uses: every upstream call goes through
 * `Pool.dispatch` (why: docs/performance.md, "Why the hot path is shaped as it is"). The path is
 * internal to undici: package.json pins undici exactly and
 * test/unit/http/upstream/package-internals.test.ts proves it is the public Pool.
 */
const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
