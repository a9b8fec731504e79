import { pino, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { redactSecretFields } from './log-redact.js';
import { LogSink } from './log-sink.js';
import { createScrubber, type Scrubber } from './secret-scrub.js';

/**
 * The one logger factory. Credential fields are redacted by name wherever they appear in a
 * log object (log-redact.ts), then every serialized line is scrubbed of secret values; the
 * request log line itself carries ids only, never headers or bodies.
 */
export interface LoggerOptions {
  readonly level?: string;
  /** Human-readable output (pino-pretty), for a terminal. */
  readonly pretty?: boolean;
  /**
   * Scrubs secret values from every serialized line, wherever they appear (see secret-scrub.ts);
   * a GrowingScrubber learns the secrets of a reloaded config.
   */
  readonly scrubber?: Scrubber;
}

/** The pino options every fusebox logger uses: redaction by field name, then free-text scrubbing. */
export function loggerOptions(scrubber: Scrubber = createScrubber([])): PinoOptions {
  return {
    formatters: { log: redactSecretFields },
    hooks: { streamWrite: (line) => scrubber.scrub(line) },
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const base = { level: options.level ?? 'info', ...loggerOptions(options.scrubber) };
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } });
  }
  // Lines are written to stdout in batches (log-sink.ts).
  return pino(base, new LogSink(1));
}
