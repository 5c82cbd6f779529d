import type { DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { stackName } from '../../../shared/names.js';
import { resourcesOfType } from '../../aws/cloudformation-template.js';
import type { VerifyContext } from '../context.js';
import { STAGE_POLICIES } from '../expectations.js';
import { fail, pass, warn, type Check } from '../finding.js';

const DAY_MILLIS = 24 * 60 * 60_000;
/**
 * Late beyond the interval: Secrets Manager rotates any time within the UTC day a rotation is
 * due (RotationRulesType, Duration), and retries a failed one; two days covers both.
 */
export const ROTATION_GRACE_DAYS = 2;
/**
 * A rotation runs four steps of at most the function's 2-minute timeout each: a pending
 * version younger than this is a rotation in progress, an older one a rotation that stopped.
 */
export const ROTATION_IN_PROGRESS_MILLIS = 15 * 60_000;

/**
 * AC4, kept in step: the credentials rotate on schedule and nothing is left half-done. Rotation
 * is enabled (always in prod), the last rotation is within the interval plus a grace, no version
 * is stuck with `AWSPENDING` (which blocks every later rotation), and the connection secret's
 * password is the credentials' `AWSCURRENT` password (compared, never printed).
 */
export const rotationHealthCheck: Check = {
  criterion: 'AC4',
  name: 'rotation health',
  async run(context) {
    const credentialsArn = context.output('CredentialsSecretArn');
    const template = await context.template();
    const scheduled = resourcesOfType(template, 'AWS::SecretsManager::RotationSchedule').length > 0;
    const passwordProblem = await passwordsDiffer(context, credentialsArn);

    if (!scheduled) {
      if (STAGE_POLICIES[context.stage].requiresRotation) {
        return fail(
          `${context.stage} requires password rotation but the deployed template has no rotation schedule`,
          'Deploy from this repository: the stage configuration refuses prod without rotation.',
        );
      }
      if (passwordProblem !== undefined) return fail(passwordProblem, REWRITE_FIX);
      return pass(
        `rotation off by configuration (${context.stage}); the connection secret's password matches AWSCURRENT (compared, not shown)`,
      );
    }

    const secret = await context.secret(credentialsArn);
    const name = secret.Name ?? credentialsArn;
    const now = context.now();
    const problems: string[] = [];
    const fixes = new Set<string>();
    if (secret.RotationEnabled !== true) {
      problems.push(`rotation is not enabled on ${name}`);
      fixes.add(
        `Deploy again (the stack creates the schedule), or \`aws secretsmanager rotate-secret --secret-id ${name}\`.`,
      );
    }
    const days = intervalDays(secret);
    const last = secret.LastRotatedDate;
    if (last === undefined) {
      const created = secret.CreatedDate ?? now;
      if (now.getTime() - created.getTime() > ROTATION_IN_PROGRESS_MILLIS) {
        problems.push(`${name} was never rotated (the first rotation runs at deploy)`);
        fixes.add(logFix(context, name));
      }
    } else if (days !== undefined) {
      const overdueBy = now.getTime() - last.getTime() - (days + ROTATION_GRACE_DAYS) * DAY_MILLIS;
      if (overdueBy > 0) {
        problems.push(
          `last rotated ${last.toISOString()} (${Math.floor((now.getTime() - last.getTime()) / DAY_MILLIS)} days ago), beyond the ${days}-day interval plus ${ROTATION_GRACE_DAYS} days`,
        );
        fixes.add(logFix(context, name));
      }
    }

    let inProgress: string | undefined;
    for (const version of await context.secretVersions(credentialsArn)) {
      const stages = version.VersionStages ?? [];
      if (!stages.includes('AWSPENDING') || stages.includes('AWSCURRENT')) continue;
      const created = version.CreatedDate ?? new Date(0);
      const age = now.getTime() - created.getTime();
      if (age <= ROTATION_IN_PROGRESS_MILLIS) {
        inProgress = `a rotation is in progress (version ${version.VersionId ?? '?'} pending since ${created.toISOString()})`;
      } else {
        problems.push(
          `version ${version.VersionId ?? '?'} has been AWSPENDING since ${created.toISOString()} without becoming AWSCURRENT: the rotation stopped, and every later one fails until it is resolved`,
        );
        fixes.add(logFix(context, name));
      }
    }
    if (passwordProblem !== undefined) {
      problems.push(passwordProblem);
      fixes.add(REWRITE_FIX);
    }

    if (problems.length > 0) return fail(problems.join('; '), [...fixes].join(' '));
    const when =
      last === undefined ? 'first rotation pending' : `last rotated ${last.toISOString()}`;
    const evidence = `${name}: rotation enabled every ${days ?? '?'} days, ${when}, no stuck AWSPENDING; the connection secret's password matches AWSCURRENT (compared, not shown)`;
    return inProgress === undefined
      ? pass(evidence)
      : warn(`${inProgress}; ${evidence}`, 'Run verify again in a few minutes.');
  },
};

const REWRITE_FIX =
  'Rotate again (`aws secretsmanager rotate-secret --secret-id <credentials secret>`): each rotation rewrites the connection secret with the new password. Until then the connection secret does not log in.';

/** Where to look when a rotation failed: the function's own log group of this creation. */
function logFix(context: VerifyContext, secretName: string): string {
  const identifier = context.stack.outputs.InstanceIdentifier ?? '';
  const creation = identifier.startsWith(`spendsense-${context.stage}-`)
    ? identifier.slice(`spendsense-${context.stage}-`.length)
    : '<creation id>';
  return `Find the failed step in the rotation log group /spendsense/${context.stage}/database/${creation}/rotation (${stackName(context.stage)}), fix it, then \`aws secretsmanager rotate-secret --secret-id ${secretName}\` resumes it (docs/operations.md, "When a rotation fails").`;
}

/** The rotation interval in days, from `AutomaticallyAfterDays` or a `rate(N days)` schedule. */
function intervalDays(secret: DescribeSecretResponse): number | undefined {
  const rules = secret.RotationRules;
  if (rules?.AutomaticallyAfterDays !== undefined) return rules.AutomaticallyAfterDays;
  const rate = /^rate\((\d+) days?\)$/.exec(rules?.ScheduleExpression ?? '');
  return rate === null ? undefined : Number(rate[1]);
}

/**
 * Why the connection secret's password is not the credentials' AWSCURRENT password, or
 * `undefined` when it is. Names fields only: never a value.
 */
async function passwordsDiffer(
  context: VerifyContext,
  credentialsArn: string,
): Promise<string | undefined> {
  const current = passwordIn(await context.secretString(credentialsArn));
  const connection = passwordIn(await context.secretString(context.output('ConnectionSecretArn')));
  if (current === undefined) return 'the credentials secret (AWSCURRENT) has no password field';
  if (connection === undefined) return 'the connection secret has no password field';
  return current === connection
    ? undefined
    : "the connection secret's password differs from the credentials secret's AWSCURRENT password";
}

function passwordIn(text: string): string | undefined {
  try {
    const password = (JSON.parse(text) as { password?: unknown } | null)?.password;
    return typeof password === 'string' ? password : undefined;
  } catch {
    // Not JSON: the parser's message would quote the secret.
    return undefined;
  }
}
