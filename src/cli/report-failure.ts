import { CommanderError, type Command } from 'commander';
import { redactConnectionStrings } from '../runtime/redact.js';
import { CliError, ExitCode } from './exit-codes.js';
import { cliCommand } from './ui/shell-command.js';

/** Errors whose command already printed its own JSON document on stdout (`check --json`). */
const printedAsJson = new WeakSet<Error>();

/** Marks `error` as already reported in the command's JSON output, and returns it. */
export function reportedInJson<E extends Error>(error: E): E {
  printedAsJson.add(error);
  return error;
}

/**
 * Reports a failure the one way every command does: exactly one `error:` line (the diagnosis)
 * and one `hint:` line (what to do) on stderr, and with `--json`, a JSON document on stdout so
 * that a script parsing it always gets one: `{ ok: false, failure: { exitCode, diagnosis, hint } }`
 * unless the command printed a fuller one itself. Returns the exit code.
 */
export function reportFailure(error: unknown, argv: readonly string[], program: Command): number {
  const failure = toCliError(error, argv, program);
  if (failure === undefined) return ExitCode.Ok;
  process.stderr.write(`error: ${failure.message}\n`);
  process.stderr.write(`hint:  ${failure.hint}\n`);
  if (wantsJson(argv) && !(error instanceof Error && printedAsJson.has(error))) {
    const document = {
      ok: false,
      failure: { exitCode: failure.exitCode, diagnosis: failure.message, hint: failure.hint },
    };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }
  return failure.exitCode;
}

/** The failure as a CliError; undefined for commander's `--help` and `--version`. */
function toCliError(
  error: unknown,
  argv: readonly string[],
  program: Command,
): CliError | undefined {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return undefined;
    const path = commandPath(argv, program);
    return new CliError(
      error.message.replace(/^error: /, ''),
      ExitCode.Usage,
      `\`${cliCommand([...path, '--help'])}\` lists its options and arguments.`,
    );
  }
  if (error instanceof CliError) return error;
  // Anything else is a bug. Its name and (redacted) message only, never a stack trace: a
  // foreign stack or message may quote a connection string.
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(
    `internal error: ${name}: ${redactConnectionStrings(message)}`,
    ExitCode.Internal,
    'this is a bug in spendsense-db; please report it with the command you ran.',
  );
}

/** `--json` among the options (not after `--`). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** The subcommand names at the start of `argv` that the program knows: `['local', 'start']`. */
function commandPath(argv: readonly string[], program: Command): string[] {
  const path: string[] = [];
  let current = program;
  for (const word of argv) {
    const next = current.commands.find((command) => command.name() === word);
    if (next === undefined) break;
    path.push(word);
    current = next;
  }
  return path;
}
