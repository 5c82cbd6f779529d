import { evaluate } from '../findings/evaluate.js';
import { summarize, withSeverity, type Summary } from '../findings/finding.js';
import { CHECKS } from './checks/index.js';
import type { VerifyContext } from './context.js';
import type { CheckOutcome, RegisteredCheck } from './finding.js';

/** The verification of one deployed stage: what `--json` prints. */
export interface VerifyReport {
  readonly stage: string;
  readonly region: string;
  readonly stackName: string;
  readonly stackStatus: string;
  readonly checkedAt: string;
  readonly results: readonly CheckOutcome[];
  readonly summary: Summary;
  /** True when no check failed (warnings and skips do not fail a verification). */
  readonly ok: boolean;
}

/**
 * Runs the checks one after another (their reads are shared and shown as progress in order),
 * each at the severity the registry gives it for the stage. A check that cannot read what it
 * needs fails with the reason; the others still run.
 */
export async function runChecks(
  context: VerifyContext,
  checks: readonly RegisteredCheck[] = CHECKS,
): Promise<VerifyReport> {
  const results: CheckOutcome[] = [];
  for (const { check, severity = 'fail' } of checks) {
    const finding = await evaluate((c: VerifyContext) => check.run(c), context);
    results.push({
      criterion: check.criterion,
      check: check.name,
      ...withSeverity(finding, severity, context.stage),
    });
  }
  const summary = summarize(results);
  return {
    stage: context.stage,
    region: context.region,
    stackName: context.stack.name,
    stackStatus: context.stack.status,
    checkedAt: context.now().toISOString(),
    results,
    summary,
    ok: summary.fail === 0,
  };
}
