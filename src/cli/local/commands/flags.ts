import { z } from 'zod';
import { CliError, ExitCode } from '../../exit-codes.js';

/** Options every `local` subcommand accepts. */
export interface LocalFlags {
  readonly stateDir?: string;
}

export const STATE_DIR_FLAG = '--state-dir <dir>';
export const STATE_DIR_DESCRIPTION =
  'state folder of the local database (default: $SPENDSENSE_LOCAL_DIR, else .spendsense/local in the project)';

const portSchema = z.coerce.number().int().min(1).max(65535);

/** Parses a `--port`-style flag; the error names the flag, the value and what is allowed. */
export function parsePortFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = portSchema.safeParse(value);
  if (!parsed.success) {
    throw new CliError(
      `\`${flag}\` must be an integer from 1 to 65535. Got ${JSON.stringify(value)}.`,
      ExitCode.Usage,
    );
  }
  return parsed.data;
}

/** Writes data for scripts: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
