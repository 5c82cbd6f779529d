import type { AwsFailureKind } from '../aws/errors.js';
import type { VerifyContext } from './context.js';

/** The story's acceptance criteria, in order. */
export const CRITERIA = ['AC1', 'AC2', 'AC3', 'AC4', 'AC5', 'AC6', 'AC7'] as const;
export type Criterion = (typeof CRITERIA)[number];

export type Result = 'pass' | 'fail' | 'skip';

/** What one check found, and the evidence for it (never a secret value). */
export interface Finding {
  readonly result: Result;
  readonly evidence: string;
}

/** One line of the verification: a named check of one criterion. */
export interface Check {
  readonly criterion: Criterion;
  readonly name: string;
  run(context: VerifyContext): Promise<Finding>;
}

/** A check's line in the report. */
export interface CheckOutcome extends Finding {
  readonly criterion: Criterion;
  readonly check: string;
  /** Set when the check could not read what it needed from AWS. */
  readonly awsFailure?: AwsFailureKind;
}

export const pass = (evidence: string): Finding => ({ result: 'pass', evidence });
export const fail = (evidence: string): Finding => ({ result: 'fail', evidence });
export const skip = (evidence: string): Finding => ({ result: 'skip', evidence });

/** Passes when nothing is wrong: `problems` become the evidence of a failure. */
export function judge(problems: readonly string[], evidence: string): Finding {
  return problems.length === 0 ? pass(evidence) : fail(problems.join('; '));
}
