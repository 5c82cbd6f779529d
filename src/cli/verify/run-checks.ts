import { redactConnectionStrings } from '../../runtime/redact.js';
import { classifyAwsError } from '../aws/errors.js';
import { CHECKS } from './checks/index.js';
import { MissingOutputError, type VerifyContext } from './context.js';
import type { Check, CheckOutcome } from './finding.js';

/** The verification of one deployed stage: what `--json` prints. */
export interface VerifyReport {
  readonly stage: string;
  readonly region: string;
  readonly stackName: string;
  readonly stackStatus: string;
  readonly checkedAt: string;
  readonly results: readonly CheckOutcome[];
  readonly summary: { readonly pass: number; readonly fail: number; readonly skip: number };
  /** True when no check failed (skips do not fail a verification). */
  readonly ok: boolean;
}

/**
 * Runs the checks one after another (their reads are shared and shown as progress in order).
 * A check that cannot read what it needs fails with the reason; the others still run.
 */
export async function runChecks(
  context: VerifyContext,
  checks: readonly Check[] = CHECKS,
): Promise<VerifyReport> {
  const results: CheckOutcome[] = [];
  for (const check of checks) {
    const identity = { criterion: check.criterion, check: check.name };
    try {
      results.push({ ...identity, ...(await check.run(context)) });
    } catch (error) {
      results.push({ ...identity, ...failureOf(error) });
    }
  }
  const count = (result: CheckOutcome['result']): number =>
    results.filter((outcome) => outcome.result === result).length;
  const summary = { pass: count('pass'), fail: count('fail'), skip: count('skip') };
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

function failureOf(error: unknown): Pick<CheckOutcome, 'result' | 'evidence' | 'awsFailure'> {
  if (error instanceof MissingOutputError) return { result: 'fail', evidence: error.message };
  const failure = classifyAwsError(error);
  if (failure.kind === 'other' && failure.code === 'Error') {
    // One of our own errors (a missing resource, a template without the instance).
    return {
      result: 'fail',
      evidence: `could not check: ${redactConnectionStrings(failure.summary)}`,
    };
  }
  return {
    result: 'fail',
    evidence: `could not read from AWS (${failure.code}): ${failure.summary}`,
    awsFailure: failure.kind,
  };
}
