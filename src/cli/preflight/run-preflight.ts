import type { StackOptions } from '../aws/stack-options.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { openAwsSession } from '../aws/session.js';
import { reportedInJson } from '../report-failure.js';
import { loadSynthesizedStage } from '../synth/template-source.js';
import { createProgress, type Progress } from '../ui/progress.js';
import { AwsPreflightContext } from './context.js';
import { formatPreflightReport, preflightError } from './report.js';
import { runPreflightChecks } from './run-checks.js';

export interface PreflightOptions extends StackOptions {
  readonly json: boolean;
  readonly allowReplacement: boolean;
  /** A cloud assembly to read as is. @default - cdk.out, synthesized when stale */
  readonly cdkOutDir?: string;
  /** @default - progress on stderr */
  readonly progress?: Progress;
  /** @default process.stdout */
  readonly stdout?: NodeJS.WritableStream;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default 2000 */
  readonly changeSetPollMillis?: number;
  /** Replaceable in tests. */
  readonly openSession?: typeof openAwsSession;
}

/**
 * `spendsense-db preflight`: resolves credentials and region (no credentials: the credentials
 * message, before anything else), reads the stage as the next deploy would (synthesized for
 * the region), runs every check, prints the report and throws when a check failed.
 */
export async function runPreflight(options: PreflightOptions): Promise<void> {
  const progress = options.progress ?? createProgress();
  const stdout = options.stdout ?? process.stdout;
  const session = await progress.step('Resolving AWS credentials and region', () =>
    (options.openSession ?? openAwsSession)(options),
  );
  try {
    const synthesized = await loadSynthesizedStage({
      stage: options.stage,
      region: session.region,
      progress,
      ...(options.cdkOutDir !== undefined && { cdkOutDir: options.cdkOutDir }),
    });
    const target = synthesized.artifact.region;
    if (target !== undefined && target !== session.region) {
      throw new CliError(
        `The cloud assembly targets ${target}, but the AWS session is in ${session.region} (from ${session.regionSource}).`,
        ExitCode.WrongRegion,
        `Pass --region ${target}, or synthesize for ${session.region} (AWS_REGION=${session.region} npx cdk synth).`,
      );
    }
    const context = new AwsPreflightContext({
      session,
      stage: options.stage,
      synthesized,
      allowReplacement: options.allowReplacement,
      progress,
      ...(options.now !== undefined && { now: options.now }),
      ...(options.changeSetPollMillis !== undefined && {
        changeSetPollMillis: options.changeSetPollMillis,
      }),
    });
    const report = await runPreflightChecks(context);
    stdout.write(
      options.json ? `${JSON.stringify(report, null, 2)}\n` : formatPreflightReport(report),
    );
    // The JSON printed is the whole answer; only a failure before it gets the short document.
    if (!report.ok) throw reportedInJson(preflightError(report));
  } finally {
    session.close();
  }
}
