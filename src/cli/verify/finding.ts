import type { Finding, StageSeverity } from '../findings/finding.js';
import type { Evaluated } from '../findings/evaluate.js';
import type { VerifyContext } from './context.js';

export { fail, judge, pass, skip, warn, type Finding } from '../findings/finding.js';

/** The story's acceptance criteria, in order, then what keeps the stage running (OPS). */
export const CRITERIA = ['AC1', 'AC2', 'AC3', 'AC4', 'AC5', 'AC6', 'AC7', 'OPS'] as const;
export type Criterion = (typeof CRITERIA)[number];

/** One line of the verification: a named check of one criterion. */
export interface Check {
  readonly criterion: Criterion;
  readonly name: string;
  run(context: VerifyContext): Promise<Finding>;
}

/** A check as the registry lists it, with what its failure means for each stage. */
export interface RegisteredCheck {
  readonly check: Check;
  /** @default 'fail' */
  readonly severity?: StageSeverity;
}

/** A check's line in the report. */
export interface CheckOutcome extends Evaluated {
  readonly criterion: Criterion;
  readonly check: string;
}
