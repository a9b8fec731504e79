import { pino, type Level, type Logger } from 'pino';

/**
 * A log line its caller serializes, written straight to a logger's destination: no formatter,
 * no redaction by field name, no free-text scrub. Only for lines whose every field is known
 * to hold no secret (ids, codes, numbers, enums: see src/app/request-line.ts and its test);
 * every other line goes through the logger and keeps both. The line has the shape of the
 * logger's own lines: `{"level":…` and time, the logger's bindings, the fields, then the message.
 * The level is checked on every line, so a level changed at run time is honoured.
 */
export type DirectLine = (fields: string) => void;

interface PinoInternals {
  readonly [key: symbol]: unknown;
}

/** `fields` is a JSON object's members without braces (`"a":1,"b":"x"`), never empty. */
export function directLine(logger: Logger, level: Level, message: string): DirectLine {
  const internals = logger as unknown as PinoInternals;
  const { symbols } = pino;
  const levelValue = logger.levels.values[level]!;
  const tail = `,${JSON.stringify(internals[symbols.messageKeySym])}:${JSON.stringify(message)}}\n`;
  return (fields) => {
    if (!logger.isLevelEnabled(level)) return;
    // Read per line: a logger's level cache, clock and bindings are its own to change.
    const head = (internals[symbols.lsCacheSym] as Record<number, string>)[levelValue]!;
    const time = (internals[symbols.timeSym] as () => string)();
    const bindings = internals[symbols.chindingsSym] as string;
    const stream = internals[symbols.streamSym] as { write(line: string): unknown };
    stream.write(`${head}${time}${bindings},${fields}${tail}`);
  };
}
