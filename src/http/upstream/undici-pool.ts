import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

/**
 * undici's Pool on its own. The package's index also loads fetch, WebSocket, caches, mocks and
 * the request/stream API, about 9 MB of resident memory fusebox never uses: every upstream call
 * goes through `Pool.dispatch`. The path is internal to undici; the lockfile pins undici 7,
 * and test/integration runs every upstream call through it.
 */
const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
