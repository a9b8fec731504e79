import { pino, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { createScrubber } from './secret-scrub.js';

/**
 * The one logger factory. Credentials are redacted by path wherever they could appear;
 * the request log line itself carries ids only, never headers or bodies.
 */
export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'headers["proxy-authorization"]',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'headers["set-cookie"]',
  'res.headers["set-cookie"]',
  'apiKeys',
  '*.apiKeys',
  'server.apiKeys',
  'config.server.apiKeys',
  'adminToken',
  '*.adminToken',
  'config.server.adminToken',
  'backends[*].credentials[*].apiKey',
  'config.backends[*].credentials[*].apiKey',
];

export interface LoggerOptions {
  readonly level?: string;
  /** Human-readable output (pino-pretty), for a terminal. */
  readonly pretty?: boolean;
  /** Secret values scrubbed from every serialized line, wherever they appear (see secret-scrub.ts). */
  readonly secrets?: Iterable<string>;
}

/** The pino options every fusebox logger uses: redaction by path, then free-text scrubbing. */
export function loggerOptions(secrets: Iterable<string> = []): PinoOptions {
  const scrubber = createScrubber(secrets);
  return {
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: (line) => scrubber.scrub(line) },
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const base = { level: options.level ?? 'info', ...loggerOptions(options.secrets) };
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } });
  }
  return pino(base);
}
