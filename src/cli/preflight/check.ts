import type { ExitCode } from '../exit-codes.js';
import type { Evaluated } from '../findings/evaluate.js';
import type { Finding, StageSeverity } from '../findings/finding.js';
import type { PreflightContext } from './context.js';

export { fail, judge, pass, skip, warn, type Finding } from '../findings/finding.js';

/** One line of the preflight, named for what it checks. */
export interface PreflightCheck {
  readonly name: string;
  run(context: PreflightContext): Promise<Finding>;
}

/** A check as the registry lists it: its failure class (exit code) and severity. */
export interface RegisteredPreflightCheck {
  readonly check: PreflightCheck;
  /** What preflight exits with when this check is the first to fail. */
  readonly exitCode: ExitCode;
  /** @default 'fail' */
  readonly severity?: StageSeverity;
}

/** A check's line in the report. */
export interface PreflightOutcome extends Evaluated {
  readonly check: string;
  /** For a failure: the exit code it stands for. */
  readonly exitCode?: number;
}
