import { CliError, ExitCode } from './exit-codes.js';

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
  /** A good value, shown in the hint. */
  readonly example: number;
  /** Said after the range in messages, for example `(ports below 1024 need root)`. */
  readonly note?: string;
}

/**
 * A decimal integer written in digits only, within `range`; undefined for anything else. Number()
 * and zod's coercion would also take `0x1538`, `5.433e3`, ` 5433 `, `5433.0` or an empty string
 * (as 0): a typo must not become a port.
 */
export function decimalInteger(text: string, range: IntegerRange): number | undefined {
  if (!/^[0-9]{1,15}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= range.min && value <= range.max ? value : undefined;
}

/**
 * Parses a numeric flag or variable strictly ({@link decimalInteger}); the error names it, the
 * value given and what is allowed (exit 2).
 * @param name as the user wrote it: `--port`, `PGPORT`
 */
export function parseIntegerFlag(name: string, text: string, range: IntegerRange): number {
  const value = decimalInteger(text, range);
  if (value !== undefined) return value;
  const allowed = `a decimal integer from ${range.min} to ${range.max}${range.note === undefined ? '' : ` ${range.note}`}`;
  throw new CliError(
    `${name}: got ${JSON.stringify(text)}; allowed: ${allowed}.`,
    ExitCode.Usage,
    `Write it in digits only, for example ${name}${name.startsWith('--') ? ' ' : '='}${range.example}.`,
  );
}

/** The ports a TCP server or client may name. */
export const PORT_RANGE: IntegerRange = { min: 1, max: 65535, example: 5433 };
