import type { Stage } from '../../shared/names.js';

/**
 * What a check concluded, from best to worst. `skip` means not applicable or not run; its
 * evidence says why. Only `fail` fails a command.
 */
export const RESULTS = ['pass', 'skip', 'warn', 'fail'] as const;
export type Result = (typeof RESULTS)[number];

/**
 * What one check found: the vocabulary `verify` and `preflight` share. The evidence is what was
 * seen (never a secret value); the fix, for a warning or a failure, is what to do about it.
 */
export interface Finding {
  readonly result: Result;
  readonly evidence: string;
  readonly fix?: string;
}

export const pass = (evidence: string): Finding => ({ result: 'pass', evidence });
export const skip = (evidence: string): Finding => ({ result: 'skip', evidence });
export const warn = (evidence: string, fix?: string): Finding => ({
  result: 'warn',
  evidence,
  ...(fix !== undefined && { fix }),
});
export const fail = (evidence: string, fix?: string): Finding => ({
  result: 'fail',
  evidence,
  ...(fix !== undefined && { fix }),
});

/** Passes when nothing is wrong: `problems` become the evidence of a failure. */
export function judge(problems: readonly string[], evidence: string, fix?: string): Finding {
  return problems.length === 0 ? pass(evidence) : fail(problems.join('; '), fix);
}

/**
 * How much a check's failure matters, set in a command's registry rather than in the check:
 * `warn` reports it without failing the command. Per stage where the stages differ.
 */
export type Severity = 'fail' | 'warn';
export type StageSeverity = Severity | Readonly<Record<Stage, Severity>>;

/** The finding as the registry's severity has it: a failure of a `warn` check is a warning. */
export function withSeverity(finding: Finding, severity: StageSeverity, stage: Stage): Finding {
  const level = typeof severity === 'string' ? severity : severity[stage];
  return finding.result === 'fail' && level === 'warn' ? { ...finding, result: 'warn' } : finding;
}

/** How many findings have each result. */
export type Summary = Readonly<Record<Result, number>>;

export function summarize(findings: readonly { readonly result: Result }[]): Summary {
  const count = (result: Result): number =>
    findings.filter((finding) => finding.result === result).length;
  return { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip') };
}

/** The worst result among `findings` (`pass` for none). */
export function worstResult(findings: readonly { readonly result: Result }[]): Result {
  return findings.reduce<Result>(
    (worst, { result }) => (RESULTS.indexOf(result) > RESULTS.indexOf(worst) ? result : worst),
    'pass',
  );
}
