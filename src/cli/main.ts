import { ExitCode } from './exit-codes.js';
import { buildProgram } from './program.js';
import { reportFailure } from './report-failure.js';

/**
 * Entry point of `spendsense-db`. Every failure ends here and is reported the same way (see
 * `reportFailure`): one `error:` line, one `hint:` line, and JSON with `--json`.
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
    return reportFailure(error, argv, program);
  }
}
