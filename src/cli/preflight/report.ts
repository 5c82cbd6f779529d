import { CliError } from '../exit-codes.js';
import { formatFixes } from '../findings/format.js';
import { formatTable } from '../ui/table.js';
import type { PreflightReport } from './run-checks.js';

/** The report as a table on stdout, the fixes under it, and a one-line verdict. */
export function formatPreflightReport(report: PreflightReport): string {
  const table = formatTable(
    ['check', 'result', 'evidence'],
    report.results.map((outcome) => [outcome.check, outcome.result, outcome.evidence]),
  );
  const { pass, warn, fail, skip } = report.summary;
  const verdict = report.ok ? 'ready to deploy' : 'NOT ready to deploy';
  return (
    `${report.stackName} in ${report.region} at ${report.checkedAt} (template ${report.template})\n\n` +
    `${table}\n${formatFixes(report.results)}\n` +
    `${verdict}: ${pass} passed, ${warn} warnings, ${fail} failed, ${skip} not applicable\n`
  );
}

/** The error a failed preflight exits with: the class of its first failed line. */
export function preflightError(report: PreflightReport): CliError {
  const failed = report.results.filter((outcome) => outcome.result === 'fail');
  return new CliError(
    `Preflight failed: ${failed.map((outcome) => outcome.check).join(', ')}.`,
    report.exitCode as CliError['exitCode'],
    'Each failed line has its fix under the table. Nothing was changed in the account (a change set, if created, was deleted unexecuted).',
  );
}
