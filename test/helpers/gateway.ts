import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createGateway, openGateway, type Gateway, type GatewayDeps } from '../../src/app/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import type { Env } from '../../src/config/interpolate.js';
import { loggerOptions } from '../../src/shared/log.js';
import { seededRandom } from '../../src/routing/random.js';
import { configSecrets, createGrowingScrubber, type GrowingScrubber } from '../../src/shared/secret-scrub.js';
import type { ConfigInput } from '../../src/config/schema.js';

/** A real gateway on 127.0.0.1 with a free port and a logger whose lines the test can read. */
export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  readonly rawLogs: string[];
  /** The scrubber behind the gateway's log lines (a reload teaches it new secrets). */
  readonly logScrubber: GrowingScrubber;
  close(): Promise<void>;
}

export async function startTestGateway(
  input: Omit<ConfigInput, 'server'> & { server?: ConfigInput['server'] },
  deps: GatewayDeps & {
    /** Open the snapshot store under `dataDir` first (openGateway). */ persist?: boolean;
    /** For `${VAR}` in the config. */ env?: Env;
  } = {},
): Promise<TestGateway> {
  const config = parseConfig({ ...input, server: { port: 0, ...input.server } }, deps.env);
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const logScrubber = createGrowingScrubber(configSecrets(config));
  const logger = pino({ level: 'debug', ...loggerOptions(logScrubber) }, sink);
  const { persist, env: _env, ...gatewayDeps } = deps;
  // A seeded random source unless the test brings its own: credential picks repeat run to run.
  const withDefaults = { logger, logScrubber, random: seededRandom(20261122), ...gatewayDeps };
  const gateway = persist ? await openGateway(config, withDefaults) : createGateway(config, withDefaults);
  await gateway.listen();
  return { gateway, url: gateway.url, logs, rawLogs, logScrubber, close: () => gateway.close() };
}

/** Two-backend config for a list of upstream base URLs, one backend per URL list. */
export function backendsFor(...groups: { id: string; baseUrls: string[]; priority?: number; apiKey?: string }[]) {
  return groups.map((group) => ({
    id: group.id,
    priority: group.priority ?? 0,
    baseUrls: group.baseUrls,
    credentials: [{ id: `${group.id}-key`, apiKey: group.apiKey ?? `sk-${group.id}-secret` }],
  }));
}
