import { CommanderError } from 'commander';
import { redactConnectionStrings } from '../runtime/redact.js';
import { CliError, ExitCode } from './exit-codes.js';
import { buildProgram } from './program.js';

/**
 * Entry point of `spendsense-db`. Every failure ends here: a CliError prints its diagnosis and
 * hint; anything else is a bug and prints its name and (redacted) message, never a stack
 * trace, since a foreign stack or message may quote a connection string.
 */
export async function main(argv: readonly string[]): Promise<number> {
  // The AWS SDK warns on every run that its releases after January 2027 need Node 22; this
  // project supports Node 20 with the SDK version its lockfile pins, so in CLI output (check
  // --secret-id, verify, info, tunnel) the notice is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error);
  }
}

function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version arrive here as "errors" with exit code 0.
    if (error.exitCode === 0) return ExitCode.Ok;
    return ExitCode.Usage;
  }
  if (error instanceof CliError) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.hint !== undefined) process.stderr.write(`hint:  ${error.hint}\n`);
    return error.exitCode;
  }
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`internal error: ${name}: ${redactConnectionStrings(message)}\n`);
  process.stderr.write(
    'hint:  this is a bug in spendsense-db; please report it with the command you ran.\n',
  );
  return ExitCode.Internal;
}
