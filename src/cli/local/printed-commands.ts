import { cliCommand } from '../ui/shell-command.js';
import { resolveStateDir } from './paths.js';

/**
 * `--state-dir <folder>` whenever the folder is not the project's default: a command printed
 * without it would act on another database.
 */
export function stateDirArguments(stateDir: string): string[] {
  return stateDir === resolveStateDir(undefined, {}) ? [] : ['--state-dir', stateDir];
}

/** `npx spendsense-db local <subcommand> …` for the database in `stateDir`, ready to run. */
export function localCommand(
  subcommand: string,
  stateDir: string,
  ...extra: readonly string[]
): string {
  return cliCommand(['local', subcommand, ...extra, ...stateDirArguments(stateDir)]);
}

/** `npx spendsense-db check --local …`: checks the local database, its password read from the state folder. */
export function checkLocalCommand(stateDir: string): string {
  return cliCommand(['check', '--local', ...stateDirArguments(stateDir)]);
}
