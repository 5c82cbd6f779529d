import { stackName } from '../../shared/names.js';
import { ExitCode } from '../exit-codes.js';
import { evaluate, type Evaluated } from '../findings/evaluate.js';
import { skip, summarize, withSeverity, type Summary } from '../findings/finding.js';
import type { PreflightOutcome, RegisteredPreflightCheck } from './check.js';
import { PREFLIGHT_CHECKS } from './checks/index.js';
import type { PreflightContext } from './context.js';

/** The preflight of one stage: what `--json` prints. */
export interface PreflightReport {
  readonly stage: string;
  readonly region: string;
  readonly stackName: string;
  /** The template checked (a file of the cloud assembly). */
  readonly template: string;
  readonly checkedAt: string;
  readonly results: readonly PreflightOutcome[];
  readonly summary: Summary;
  /** True when nothing failed: the deploy may go ahead. */
  readonly ok: boolean;
  /** The code preflight exits with: 0, or the class of the first failed line. */
  readonly exitCode: number;
}

/**
 * Runs every check, in registry order. The credentials come first: when they fail, every other
 * check would fail the same way, so each says it was not run instead.
 */
export async function runPreflightChecks(
  context: PreflightContext,
  checks: readonly RegisteredPreflightCheck[] = PREFLIGHT_CHECKS,
): Promise<PreflightReport> {
  const results: PreflightOutcome[] = [];
  let credentialsFailed = false;
  for (const [index, { check, exitCode, severity = 'fail' }] of checks.entries()) {
    const finding: Evaluated = credentialsFailed
      ? skip('not run: the credentials line failed')
      : withSeverity(
          await evaluate((c: PreflightContext) => check.run(c), context),
          severity,
          context.stage,
        );
    if (index === 0 && finding.result === 'fail') credentialsFailed = true;
    results.push({
      check: check.name,
      ...finding,
      ...(finding.result === 'fail' && { exitCode: exitCodeOf(finding, exitCode) }),
    });
  }
  const summary = summarize(results);
  const firstFailure = results.find((outcome) => outcome.result === 'fail');
  return {
    stage: context.stage,
    region: context.region,
    stackName: stackName(context.stage),
    template: context.synthesized.templatePath,
    checkedAt: context.now().toISOString(),
    results,
    summary,
    ok: firstFailure === undefined,
    exitCode: firstFailure?.exitCode ?? ExitCode.Ok,
  };
}

/**
 * A failure's exit code: AWS's own refusal or missing credentials when that is why the check
 * could not decide, a generic preflight failure for any other reason it could not, else the
 * class the registry gives the check.
 */
function exitCodeOf(finding: Evaluated, registered: number): number {
  switch (finding.awsFailure) {
    case 'access-denied':
      return ExitCode.AwsAccessDenied;
    case 'credentials-missing':
    case 'credentials-rejected':
      return ExitCode.AwsCredentialsMissing;
    default:
      return finding.unchecked === true ? ExitCode.PreflightFailed : registered;
  }
}
