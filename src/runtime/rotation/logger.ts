import { scrub } from '../redact.js';

/** Scalars only, so nothing structured (a secret's JSON, an error object) can slip into a line. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RotationLogger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

type Level = 'INFO' | 'WARN' | 'ERROR';

/** JSON lines on stdout/stderr, which Lambda sends to the function's log group. */
export function jsonLineLogger(
  write: (level: Level, line: string) => void = (level, line) =>
    level === 'INFO' ? console.log(line) : console.error(line),
  name = 'spendsense-rotation',
): RotationLogger {
  const log =
    (level: Level) =>
    (message: string, fields: LogFields = {}): void =>
      write(level, JSON.stringify({ level, logger: name, message, ...fields }));
  return { info: log('INFO'), warn: log('WARN'), error: log('ERROR') };
}

/**
 * Wraps a logger so every password the rotation has seen is masked in every line, whatever a
 * caller passed by mistake: the last line of defence, not a licence to log values.
 */
export function redactingLogger(
  logger: RotationLogger,
  secrets: ReadonlySet<string>,
): RotationLogger {
  const clean = (text: string): string => scrub(text, secrets);
  const cleanFields = (fields: LogFields = {}): LogFields =>
    Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [
        key,
        typeof value === 'string' ? clean(value) : value,
      ]),
    );
  return {
    info: (message, fields) => logger.info(clean(message), cleanFields(fields)),
    warn: (message, fields) => logger.warn(clean(message), cleanFields(fields)),
    error: (message, fields) => logger.error(clean(message), cleanFields(fields)),
  };
}

/** The same logger, adding `fields` to every line (the step, the request...). */
export function withFields(logger: RotationLogger, fields: LogFields): RotationLogger {
  return {
    info: (message, extra) => logger.info(message, { ...fields, ...extra }),
    warn: (message, extra) => logger.warn(message, { ...fields, ...extra }),
    error: (message, extra) => logger.error(message, { ...fields, ...extra }),
  };
}
