import type { StackOptions } from '../aws/stack-options.js';
import { withDeployedStack } from '../aws/with-deployed-stack.js';
import { reportedInJson } from '../report-failure.js';
import { createProgress, type Progress } from '../ui/progress.js';
import { AwsVerifyContext, type LocalCheck } from './context.js';
import { formatReport, verificationError } from './report.js';
import { runChecks } from './run-checks.js';

export interface VerifyOptions extends StackOptions {
  readonly json: boolean;
  /** Runs AC6 (`check` from this machine) when set. */
  readonly localCheck?: LocalCheck;
  /** @default - progress on stderr */
  readonly progress?: Progress;
  /** @default process.stdout */
  readonly stdout?: NodeJS.WritableStream;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** The migrations the deployed schema must have reached. @default - migrations/ in the project */
  readonly migrationsDirectory?: string;
}

/**
 * `spendsense-db verify`: reads the deployed stage, runs every check, prints the table (or
 * JSON) on stdout, and throws a CliError when anything failed.
 */
export async function runVerify(options: VerifyOptions): Promise<void> {
  const progress = options.progress ?? createProgress();
  const stdout = options.stdout ?? process.stdout;
  await withDeployedStack(options, progress, async (stack, session) => {
    const context = new AwsVerifyContext({
      session,
      stage: options.stage,
      stack,
      progress,
      ...(options.localCheck !== undefined && { localCheck: options.localCheck }),
      ...(options.now !== undefined && { now: options.now }),
      ...(options.migrationsDirectory !== undefined && {
        migrationsDirectory: options.migrationsDirectory,
      }),
    });
    const report = await runChecks(context);
    stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    // The JSON printed is the whole answer; only a failure before it gets the short document.
    if (!report.ok) throw reportedInJson(verificationError(report));
  });
}
