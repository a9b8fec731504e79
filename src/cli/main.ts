#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { ConfigError, loadConfigFile } from '../config/load.js';
import type { FuseboxConfig } from '../config/schema.js';
import { openGateway } from '../app/gateway.js';
import { DataDirLockedError, DataDirUnusableError } from '../persistence/snapshot-store.js';
import { createLogger } from '../shared/log.js';
import { listenRefusal } from '../http/server/listen-policy.js';
import { configSecrets, createGrowingScrubber, type GrowingScrubber } from '../shared/secret-scrub.js';
import { fuseboxVersion } from '../shared/version.js';
import { takeInspectFlag } from './inspect-flag.js';
import { reloadOnSighup, startInspectorIfAsked } from './operator-hooks.js';

/** `fusebox start | check-config`: the command line. Exit 0 ok, 1 runtime failure, 2 bad usage or config. */
const HELP = `fusebox — a local LLM API gateway

Usage:
  fusebox start [--config FILE] [--host HOST] [--port PORT] [--log-level LEVEL] [--record FILE] [--inspect [PORT]]
  fusebox check-config [--config FILE]
  fusebox state [--data-dir DIR] [--json]        (stored actor state; --help for more)
  fusebox replay FILE [--until T] [--json]       (replay an event log; --help for more)
  fusebox demo [--duration SECONDS]   (scripted upstreams, live actor table; --help for more)
  fusebox --help | --version

Options:
  -c, --config FILE     the YAML config (default: fusebox.yaml)
      --host HOST       listen address (overrides server.host)
      --port PORT       listen port (overrides server.port)
      --log-level LVL   trace, debug, info, warn, error (default: info)
      --record FILE     append every actor event to FILE as NDJSON (overrides eventLog)
      --inspect [PORT]  relay actor events to the Stately inspector on 127.0.0.1 (default 8080)

SIGHUP (or POST /admin/reload) re-reads the config file and reconciles backends without a restart.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c', default: 'fusebox.yaml' },
  host: { type: 'string' },
  port: { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  record: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export async function main(argv: string[]): Promise<number> {
  // The demo has its own options; it is loaded only when asked for.
  if (argv[0] === 'demo') return (await import('../demo/run-demo.js')).demoMain(argv.slice(1));
  if (argv[0] === 'state') return (await import('./state.js')).stateMain(argv.slice(1));
  if (argv[0] === 'replay') return (await import('./replay.js')).replayMain(argv.slice(1));
  const inspect = takeInspectFlag(argv);
  if (typeof inspect === 'string') {
    process.stderr.write(`fusebox: ${inspect}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: inspect.argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`fusebox: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${fuseboxVersion()}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  switch (command) {
    case 'check-config':
      return checkConfig(values);
    case 'start':
      return start(values, inspect.port);
    default:
      process.stderr.write(`fusebox: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

function readConfig(values: Values): FuseboxConfig | null {
  try {
    return loadConfigFile(values.config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`fusebox: ${error.message}\n`);
    return null;
  }
}

function checkConfig(values: Values): number {
  const config = startableConfig(values);
  if (!config) return 2;
  const credentials = config.backends.reduce((n, b) => n + b.credentials.length, 0);
  process.stdout.write(
    `${values.config}: ok (${config.backends.length} backends, ${credentials} credentials, listens on ${config.server.host}:${config.server.port})\n`,
  );
  return 0;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * The config exactly as `start` would run it (file, command-line overrides, listen policy,
 * log level), or null once the reason it would be refused is written to stderr. `check-config`
 * and `start` share it, so whatever passes the check is what start accepts.
 */
function startableConfig(values: Values): FuseboxConfig | null {
  const level = values['log-level'];
  if (!LOG_LEVELS.includes(level)) return refuse(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  const loaded = readConfig(values);
  if (!loaded) return null;
  const config = withOverrides(loaded, values);
  if (typeof config === 'string') return refuse(config);
  const refusal = listenRefusal(config.server);
  return refusal ? refuse(refusal) : config;
}

function refuse(message: string): null {
  process.stderr.write(`fusebox: ${message}\n`);
  return null;
}

function withOverrides(config: FuseboxConfig, values: Values): FuseboxConfig | string {
  const port = values.port === undefined ? config.server.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) return `--port: expected a port number, got "${values.port}"`;
  return { ...config, server: { ...config.server, host: values.host ?? config.server.host, port } };
}

/** The config as `start` uses it (file + command-line overrides), re-read for a reload. */
function reloadableConfig(values: Values): FuseboxConfig {
  const config = withOverrides(loadConfigFile(values.config), values);
  if (typeof config === 'string') throw new Error(config);
  return config;
}

async function start(values: Values, inspectPort: number | null = null): Promise<number> {
  const config = startableConfig(values);
  if (!config) return 2;
  const logScrubber = createGrowingScrubber(configSecrets(config));
  // The command owns its log: closed (what is left written) once the gateway has stopped.
  const log = createLogger({ level: values['log-level'], pretty: process.stdout.isTTY, scrubber: logScrubber });
  try {
    return await serve(config, values, inspectPort, log.logger, logScrubber);
  } finally {
    log.close();
  }
}

/** Runs the gateway until SIGINT or SIGTERM; resolves with the exit code once it has stopped. */
async function serve(
  config: FuseboxConfig,
  values: Values,
  inspectPort: number | null,
  logger: Logger,
  logScrubber: GrowingScrubber,
): Promise<number> {
  const inspector = await startInspectorIfAsked(inspectPort, logger);
  if (typeof inspector === 'string') {
    process.stderr.write(`fusebox: ${inspector}\n`);
    return 1;
  }
  const loadConfig = () => reloadableConfig(values);
  let gateway;
  try {
    gateway = await openGateway(config, {
      logger,
      logScrubber,
      loadConfig,
      ...(inspector ? { inspect: inspector.inspect } : {}),
      ...(values.record ? { eventLog: values.record } : {}),
    });
  } catch (error) {
    await inspector?.stop();
    if (!(error instanceof DataDirLockedError || error instanceof DataDirUnusableError)) throw error;
    process.stderr.write(`fusebox: ${error.message}\n`);
    return 2;
  }
  try {
    await gateway.listen();
  } catch (error) {
    logger.error({ err: error }, `cannot listen on ${config.server.host}:${config.server.port}`);
    await gateway.close();
    await inspector?.stop();
    return 1;
  }
  logger.info({ url: gateway.url, backends: config.backends.map((b) => b.id) }, `fusebox listening on ${gateway.url}`);
  const stopReloading = reloadOnSighup(() => gateway.reload(), logger);
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      stopReloading();
      gateway
        .close()
        .then(() => inspector?.stop())
        .then(
          () => resolve(0),
          (error: unknown) => {
            logger.error({ err: error }, 'error during shutdown');
            resolve(1);
          },
        );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fusebox: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
