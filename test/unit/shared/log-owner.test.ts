import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGateway } from '../../../src/app/gateway.js';
import { parseConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/shared/log.js';

describe('who owns the log', () => {
  it('writes what is left when its owner closes it, and leaves no exit hook behind', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fusebox-log-')), 'out.log');
    const fd = openSync(path, 'w');
    const hooks = process.listenerCount('exit');
    const log = createLogger({ fd });
    expect(process.listenerCount('exit')).toBe(hooks + 1);
    log.logger.info({ reqId: 'r1' }, 'request');
    expect(readFileSync(path, 'utf8')).toBe('');
    log.close();
    expect(process.listenerCount('exit')).toBe(hooks);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ reqId: 'r1', msg: 'request' });
    // A line logged after close is not held back by a timer that no longer runs.
    log.logger.info('late');
    expect(readFileSync(path, 'utf8')).toContain('"msg":"late"');
    closeSync(fd);
  });

  it('a gateway without a logger makes its own and closes it with close()', async () => {
    const hooks = process.listenerCount('exit');
    const gateway = createGateway(
      parseConfig({ backends: [{ id: 'a', baseUrls: ['http://127.0.0.1:9/v1'], credentials: [{ apiKey: 'sk-a-secret' }] }] }),
    );
    expect(process.listenerCount('exit')).toBe(hooks + 1);
    await gateway.close();
    expect(process.listenerCount('exit')).toBe(hooks);
  });
});
