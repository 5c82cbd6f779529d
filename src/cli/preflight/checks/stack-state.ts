import { stackName } from '../../../shared/names.js';
import { fail, pass, skip, warn, type PreflightCheck } from '../check.js';

/** Statuses a deploy can update from, and what to do about the others. */
const FIXES: Readonly<Record<string, string>> = {
  ROLLBACK_COMPLETE:
    'Its first creation failed and was rolled back; CloudFormation cannot update it. Read why (`aws cloudformation describe-stack-events --stack-name {stack}`), fix it, delete the stack (`npx cdk destroy {stack}`: it holds no data), then deploy.',
  ROLLBACK_FAILED:
    'Its first creation failed and so did the rollback. Delete it (`aws cloudformation delete-stack --stack-name {stack}`, with --retain-resources for what cannot be deleted), then deploy.',
  UPDATE_ROLLBACK_FAILED:
    'An update failed and its rollback too. Fix what blocked the rollback, then `aws cloudformation continue-update-rollback --stack-name {stack}` (add --resources-to-skip <logical ids> for resources you repaired by hand); deploy once it is UPDATE_ROLLBACK_COMPLETE.',
  DELETE_FAILED:
    'A delete failed. Fix what blocked it (a resource in use, an export imported elsewhere), then delete it again or recreate it under a new stack.',
  REVIEW_IN_PROGRESS:
    'A change set created the stack but was never executed. Delete it (`aws cloudformation delete-stack --stack-name {stack}`), then deploy.',
};
const READY = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

/**
 * The stack can take a deploy: absent (the deploy creates it), or settled. A failed first
 * create, a failed rollback or an operation still running stops `cdk deploy`; the line says
 * what to do. Prod also keeps its termination protection.
 */
export const stackStateCheck: PreflightCheck = {
  name: 'stack state',
  async run(context) {
    const stack = await context.stack();
    const name = stackName(context.stage);
    if (stack === undefined) return skip(`${name} does not exist yet: the deploy creates it`);
    const reason = stack.statusReason === undefined ? '' : ` (${stack.statusReason})`;
    const fix = FIXES[stack.status]?.replaceAll('{stack}', name);
    if (fix !== undefined) return fail(`${name} is ${stack.status}${reason}`, fix);
    if (stack.status.endsWith('_IN_PROGRESS')) {
      return fail(
        `${name} is ${stack.status}: an operation is running`,
        'Wait for it to finish, then run preflight again.',
      );
    }
    if (context.stage === 'prod' && stack.terminationProtection !== true) {
      return fail(
        `${name} has termination protection off`,
        `Turn it back on: \`aws cloudformation update-termination-protection --enable-termination-protection --stack-name ${name}\` (the deploy sets it too).`,
      );
    }
    if (stack.status === 'UPDATE_ROLLBACK_COMPLETE') {
      return warn(
        `${name} is UPDATE_ROLLBACK_COMPLETE${reason}: its last update failed and was rolled back; it can be updated`,
        `See why the last update failed: \`aws cloudformation describe-stack-events --stack-name ${name}\`.`,
      );
    }
    return READY.has(stack.status)
      ? pass(
          `${name} is ${stack.status}${context.stage === 'prod' ? ', termination protection on' : ''}`,
        )
      : fail(`${name} is ${stack.status}${reason}`, 'Bring it to a *_COMPLETE status first.');
  },
};
