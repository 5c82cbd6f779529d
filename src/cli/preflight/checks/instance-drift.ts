import { resourcesOfType } from '../../aws/cloudformation-template.js';
import { fail, pass, skip, type PreflightCheck } from '../check.js';

/** Statuses in which the stack's resources are what its template says. */
const SETTLED = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
]);

/**
 * The deployed instance matches its template: a deploy over a drifted instance would set the
 * drifted properties back (a class changed in the console, say), or, for a deleted instance,
 * create an empty one. Property paths are shown, never values. The registry makes a modified
 * instance a warning in dev.
 */
export const instanceDriftCheck: PreflightCheck = {
  name: 'instance drift',
  async run(context) {
    const stack = await context.stack();
    if (stack === undefined) return skip('no stack yet: nothing to drift');
    if (!SETTLED.has(stack.status))
      return skip(`${stack.name} is ${stack.status} (see stack state)`);
    const [instance] = resourcesOfType(
      (await context.deployedTemplate()) ?? { Resources: {} },
      'AWS::RDS::DBInstance',
    );
    if (instance === undefined) return skip(`${stack.name} has no DB instance yet`);
    const [logicalId] = instance;
    const drift = await context.instanceDrift(logicalId);
    const status = drift?.StackResourceDriftStatus ?? 'NOT_CHECKED';
    const physical = drift?.PhysicalResourceId ?? logicalId;
    const details = `\`aws cloudformation describe-stack-resource-drifts --stack-name ${stack.name}\``;
    switch (status) {
      case 'IN_SYNC':
        return pass(`${physical} matches its template`);
      case 'DELETED':
        return fail(
          `${physical} no longer exists: the deploy would create a new, empty instance`,
          `Restore it from its latest snapshot under the same identifier before deploying (docs/database.md, "Delete a stage and create it again"); see ${details}.`,
        );
      case 'MODIFIED': {
        const paths = (drift?.PropertyDifferences ?? []).map(
          (difference) =>
            `${difference.PropertyPath ?? '?'} (${difference.DifferenceType ?? 'changed'})`,
        );
        return fail(
          `${physical} drifted from its template: ${paths.join(', ') || 'properties changed'}; the deploy would set them back`,
          `See the values with ${details}, then make the template say what the instance should be (stage configuration) or accept that the deploy reverts the change.`,
        );
      }
      default:
        return skip(`drift of ${physical} not checked (${status})`);
    }
  },
};
