import { expect } from 'vitest';
import { CliError } from '../../src/cli/exit-codes.js';
import type { CliRun } from './run-cli.js';

/**
 * The one `error:` line and the one `hint:` line every failure prints on stderr; fails the test
 * when there is not exactly one of each (or when an "internal error" line sneaks in besides).
 */
export function errorAndHint(run: CliRun): { error: string; hint: string } {
  const lines = run.stderr.split('\n');
  const errors = lines.filter((line) => line.startsWith('error: '));
  const hints = lines.filter((line) => line.startsWith('hint:  '));
  expect(errors, run.stderr).toHaveLength(1);
  expect(hints, run.stderr).toHaveLength(1);
  expect(lines.filter((line) => /^(internal )?error/i.test(line))).toHaveLength(1);
  return { error: errors[0] as string, hint: hints[0] as string };
}

/** A hint proposes losing data when it gives the command that does it. */
export const PROPOSES_RESET = /`npx spendsense-db local reset/;

/** The CliError `promise` rejects with; fails the test if it resolves or rejects otherwise. */
export async function cliErrorOf(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}
