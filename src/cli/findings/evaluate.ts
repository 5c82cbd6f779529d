import { redactConnectionStrings } from '../../runtime/redact.js';
import { classifyAwsError, type AwsFailureKind } from '../aws/errors.js';
import { fail, type Finding } from './finding.js';

/** A fact a check needs is missing (a stack output, a resource in a template): it fails. */
export class MissingFactError extends Error {
  override readonly name: string = 'MissingFactError';
}

/** A finding, and when the check could not read what it needed from AWS, why not. */
export interface Evaluated extends Finding {
  readonly awsFailure?: AwsFailureKind;
  /** The check could not decide (it threw): its failure says nothing about what it checks. */
  readonly unchecked?: true;
}

/**
 * Runs one check. A check that throws fails with the reason as its evidence (an AWS error's
 * code and one-line message, redacted), so one unreadable fact never stops the other checks.
 */
export async function evaluate<C>(
  run: (context: C) => Promise<Finding>,
  context: C,
): Promise<Evaluated> {
  try {
    return await run(context);
  } catch (error) {
    return failureOf(error);
  }
}

function failureOf(error: unknown): Evaluated {
  if (error instanceof MissingFactError) return fail(redactConnectionStrings(error.message));
  const failure = classifyAwsError(error);
  if (failure.kind === 'other' && failure.code === 'Error') {
    // One of our own errors (a missing resource, a template without the instance).
    return {
      ...fail(`could not check: ${redactConnectionStrings(failure.summary)}`),
      unchecked: true,
    };
  }
  return {
    ...fail(`could not read from AWS (${failure.code}): ${failure.summary}`),
    awsFailure: failure.kind,
    unchecked: true,
  };
}
