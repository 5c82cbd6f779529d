import type { Change, ResourceChange } from '@aws-sdk/client-cloudformation';
import { stackName } from '../../../shared/names.js';
import { fail, pass, skip, warn, type PreflightCheck } from '../check.js';

/** What holds the data: the instance, where it lives, and the key it is encrypted with. */
const PROTECTED = new Set(['AWS::RDS::DBInstance', 'AWS::RDS::DBSubnetGroup', 'AWS::KMS::Key']);

/**
 * Data safety: a change set for the synthesized template (created, read, deleted; never
 * executed) may not replace or delete the instance, its subnet group or the key. A replaced
 * instance is a new, empty database (the old one goes, after a snapshot); a replaced key strands
 * the snapshots encrypted with it. `--allow-replacement` turns the refusal into a warning, for
 * the rare deliberate case.
 */
export const dataSafetyCheck: PreflightCheck = {
  name: 'data safety (change set)',
  async run(context) {
    const stack = await context.stack();
    const name = stackName(context.stage);
    if (stack === undefined) return skip(`${name} does not exist yet: a create replaces nothing`);
    if (!/_COMPLETE$/.test(stack.status) || stack.status === 'ROLLBACK_COMPLETE') {
      return skip(
        `${name} is ${stack.status}: no change set until it can be updated (see stack state)`,
      );
    }
    const outcome = await context.changeSet();
    if (outcome.kind === 'no-changes') return pass(`no changes: the deploy would change nothing`);
    if (outcome.kind === 'failed') {
      return fail(
        `CloudFormation could not compute the change set: ${outcome.reason}`,
        'The deploy would fail the same way: fix what the reason names, then run preflight again.',
      );
    }
    const resourceChanges = outcome.changes.flatMap(
      (change: Change) => change.ResourceChange ?? [],
    );
    const dangerous = resourceChanges.filter(isDangerous).map(describe);
    const summary = summarize(resourceChanges);
    if (dangerous.length === 0) {
      return pass(`${summary}; none replaces or deletes the instance, its subnet group or the key`);
    }
    const evidence = `${dangerous.join('; ')} (${summary})`;
    if (context.allowReplacement) {
      return warn(
        `allowed by --allow-replacement: ${evidence}`,
        'Take a manual snapshot before deploying (`aws rds create-db-snapshot`); the replaced instance starts empty.',
      );
    }
    return fail(
      evidence,
      'Find the change in the code that causes it (the causing property is named) and undo it. To replace deliberately: take a manual snapshot, then run preflight with --allow-replacement and deploy (docs/database.md, "Changes that replace the database").',
    );
  },
};

function isDangerous(change: ResourceChange): boolean {
  if (!PROTECTED.has(change.ResourceType ?? '')) return false;
  return (
    change.Action === 'Remove' || (change.Action === 'Modify' && change.Replacement !== 'False')
  );
}

function describe(change: ResourceChange): string {
  const what = `${change.LogicalResourceId ?? '?'} (${change.ResourceType ?? '?'}${change.PhysicalResourceId === undefined ? '' : `, ${change.PhysicalResourceId}`})`;
  if (change.Action === 'Remove') return `${what} would be deleted`;
  const causes = (change.Details ?? [])
    .filter((detail) => detail.Target?.RequiresRecreation !== 'Never')
    .map(
      (detail) =>
        `${detail.Target?.Name ?? detail.Target?.Attribute ?? '?'} changes (recreation ${detail.Target?.RequiresRecreation ?? '?'}${detail.CausingEntity === undefined ? '' : `, caused by ${detail.CausingEntity}`})`,
    );
  const verb = change.Replacement === 'True' ? 'would be replaced' : 'may be replaced';
  return `${what} ${verb}${causes.length === 0 ? '' : `: ${[...new Set(causes)].join(', ')}`}`;
}

function summarize(changes: readonly ResourceChange[]): string {
  const count = (action: string) => changes.filter((change) => change.Action === action).length;
  return `${changes.length} changes (${count('Add')} add, ${count('Modify')} modify, ${count('Remove')} remove)`;
}
