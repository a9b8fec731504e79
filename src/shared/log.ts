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
  /** File descriptor the batched lines go to (default 1, stdout); ignored when `pretty`. */
  readonly fd?: number;
}

/**
 * A logger and the sink it owns. Whoever creates it (the gateway for its own logger, the CLI
 * for `fusebox start`) calls `close` when done: it writes what is left and stops the sink's
 * timer. Until then a process exit ends the sink too, so no line is lost to a normal exit.
 */
export interface OwnedLogger {
  readonly logger: Logger;
  close(): void;
}

/** The pino options every fusebox logger uses: redaction by field name, then free-text scrubbing. */
export function loggerOptions(scrubber: Scrubber = createScrubber([])): PinoOptions {
  return {
    formatters: { log: redactSecretFields },
    hooks: { streamWrite: (line) => scrubber.scrub(line) },
  };
}

export function createLogger(options: LoggerOptions = {}): OwnedLogger {
  const base = { level: options.level ?? 'info', ...loggerOptions(options.scrubber) };
  if (options.pretty) {
    // pino's transport worker flushes at exit on its own.
    const logger = pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } });
    return { logger, close: () => logger.flush() };
  }
  // Lines are written in batches (log-sink.ts).
  const sink = new LogSink(options.fd ?? 1);
  const end = () => sink.end();
  process.once('exit', end);
  return {
    logger: pino(base, sink),
    close() {
      process.off('exit', end);
      sink.end();
    },
  };
}
