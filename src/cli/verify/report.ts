import { CliError, ExitCode } from '../exit-codes.js';
import { formatFixes } from '../findings/format.js';
import { formatTable } from '../ui/table.js';
import type { VerifyReport } from './run-checks.js';

/** The report as a table on stdout, with a one-line verdict under it. */
export function formatReport(report: VerifyReport): string {
  const table = formatTable(
    ['criterion', 'check', 'result', 'evidence'],
    report.results.map((outcome) => [
      outcome.criterion,
      outcome.check,
      outcome.result,
      outcome.evidence,
    ]),
  );
  const { pass, warn, fail, skip } = report.summary;
  const verdict = report.ok ? 'verified' : 'NOT verified';
  return (
    `${report.stackName} (${report.region}, ${report.stackStatus}) at ${report.checkedAt}\n\n` +
    `${table}\n${formatFixes(report.results)}\n` +
    `${verdict}: ${pass} passed, ${warn} warnings, ${fail} failed, ${skip} skipped\n`
  );
}

/**
 * The error a failed verification exits with: access denied (53) when a check could not read
 * what it needed for lack of permission, since granting it is the fix; otherwise 50.
 */
export function verificationError(report: VerifyReport): CliError {
  const failed = report.results.filter((outcome) => outcome.result === 'fail');
  const names = failed.map((outcome) => `${outcome.criterion} ${outcome.check}`).join(', ');
  const denied = failed.filter((outcome) => outcome.awsFailure === 'access-denied');
  if (denied.length > 0) {
    return new CliError(
      `Verification incomplete: access denied while checking ${denied.map((outcome) => `${outcome.criterion} ${outcome.check}`).join(', ')}.`,
      ExitCode.AwsAccessDenied,
      'verify needs the read-only permissions listed in docs/database.md ("Verify a deployment").',
    );
  }
  return new CliError(
    `Verification failed: ${names}.`,
    ExitCode.VerificationFailed,
    'The evidence column says what differs; fix the stack (or its drift) and run verify again.',
  );
}
