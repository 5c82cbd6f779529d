import { parseIntegerFlag, PORT_RANGE } from '../../integer-flag.js';

/** Options every `local` subcommand accepts. */
export interface LocalFlags {
  readonly stateDir?: string;
}

export const STATE_DIR_FLAG = '--state-dir <dir>';
export const STATE_DIR_DESCRIPTION =
  'state folder of the local database (default: $SPENDSENSE_LOCAL_DIR, else .spendsense/local in the project)';

/** Parses a `--port`-style flag; the error names the flag, the value and what is allowed. */
export function parsePortFlag(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseIntegerFlag(flag, value, PORT_RANGE);
}

/** Writes data for scripts: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Tells the user, on stderr, what a start mended on its own. */
export function reportRepair(what: string): void {
  process.stderr.write(`repaired: ${what}\n`);
}
